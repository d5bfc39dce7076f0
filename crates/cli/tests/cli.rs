//! `messaging-doctor check` run as a process: every fixture project (tests/fixtures/sfdx/<case>/
//! {bad,fixed}, SFDX and Metadata API formats) against its expected.json in all three formats
//! with the exit status for each `--fail-on`; the SARIF against the SARIF 2.1.0 JSON schema;
//! hostile files; usage and read errors; the README's CI commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_messaging-doctor")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/sfdx")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run messaging-doctor")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn cases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("expected.json").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// A fresh empty folder under the target directory.
fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// (code, severity, item, file:line) of the JSON output's findings.
fn found(v: &Value) -> Vec<(String, String, String, String)> {
    v["source"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["item"].as_str().unwrap().to_string(),
                format!("{}:{}", f["file"].as_str().unwrap(), f["line"]),
            )
        })
        .collect()
}

fn expected(e: &Value) -> Vec<(String, String, String, String)> {
    e["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["item"].as_str().unwrap().to_string(),
                f["at"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sarif_validator() -> (boon::Schemas, boon::SchemaIndex) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:md:sarif-schema-2.1.0.json", schema)
        .unwrap();
    let idx = compiler
        .compile("urn:md:sarif-schema-2.1.0.json", &mut schemas)
        .unwrap();
    (schemas, idx)
}

fn assert_valid_sarif(v: &Value, what: &str) {
    let (schemas, idx) = sarif_validator();
    if let Err(e) = schemas.validate(v, idx) {
        panic!("{what}: SARIF does not match the 2.1.0 schema: {e:#}\n{v:#}");
    }
}

#[test]
fn every_fixture_gives_its_expected_findings_in_all_three_formats_with_the_right_exit_status() {
    let cases = cases();
    assert!(cases.len() >= 6, "{cases:?}");
    let mut saw_mdapi = false;
    for case in &cases {
        let exp: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join(case).join("expected.json")).unwrap(),
        )
        .unwrap();
        for side in ["bad", "fixed"] {
            let dir = fixtures().join(case).join(side);
            saw_mdapi |= dir.join("package.xml").is_file();
            let e = &exp[side];
            let what = format!("{case}/{side}");
            // JSON: the report schema, the findings and their locations.
            let o = run(&dir, &["check", "--format", "json", "--fail-on", "never"]);
            assert_eq!(o.status.code(), Some(0), "{what}");
            let v = json_of(&o);
            assert_eq!(v["schema"], "messaging-doctor/report@1", "{what}");
            let want = expected(e);
            assert_eq!(found(&v), want, "{what}");
            let codes: Vec<&str> = v["diagnosis"]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            assert_eq!(
                codes,
                want.iter().map(|w| w.0.as_str()).collect::<Vec<_>>(),
                "{what}"
            );
            let checks = v["diagnosis"]["checks"].as_array().unwrap();
            assert_eq!(checks.len(), 7, "{what}");
            if side == "fixed" {
                assert!(
                    want.iter().all(|w| w.1 != "error" && w.1 != "warning"),
                    "{what}: a fixed project must be clean"
                );
            } else {
                assert!(!want.is_empty(), "{what}: a bad project must have findings");
            }
            // Text: every finding with its location, and the coverage lines.
            let o = run(&dir, &["check"]);
            let text = String::from_utf8(o.stdout.clone()).unwrap();
            assert!(!text.contains('\x1b'), "{what}: colour without a terminal");
            for w in &want {
                assert!(
                    text.contains(&w.0) && text.contains(&w.3),
                    "{what}: {w:?}\n{text}"
                );
            }
            assert!(text.contains("What the source check covered"), "{what}");
            assert!(text.contains("Data storage") && text.contains("needs a live org"));
            assert_eq!(
                o.status.code(),
                e["exit"]["error"].as_i64().map(|x| x as i32),
                "{what} default --fail-on"
            );
            // SARIF: schema-valid, one result per finding, rule ids = codes, locations.
            let o = run(&dir, &["check", "--format", "sarif", "--fail-on", "never"]);
            let s = json_of(&o);
            assert_valid_sarif(&s, &what);
            let results = s["runs"][0]["results"].as_array().unwrap();
            assert_eq!(results.len(), want.len(), "{what}");
            let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
            for (r, w) in results.iter().zip(&want) {
                assert_eq!(r["ruleId"], w.0.as_str(), "{what}");
                let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
                assert_eq!(rule["id"], w.0.as_str());
                assert!(
                    rule["help"]["text"].as_str().unwrap().contains("Fix: "),
                    "{what}: rule help from docs/findings.md: {rule}"
                );
                let loc = &r["locations"][0]["physicalLocation"];
                assert_eq!(
                    format!(
                        "{}:{}",
                        loc["artifactLocation"]["uri"].as_str().unwrap(),
                        loc["region"]["startLine"]
                    ),
                    w.3,
                    "{what}"
                );
                let level = match w.1.as_str() {
                    "error" => "error",
                    "warning" => "warning",
                    _ => "note",
                };
                assert_eq!(r["level"], level, "{what}");
            }
            // Exit status per threshold.
            for t in ["error", "warning", "never"] {
                let o = run(&dir, &["check", "--fail-on", t]);
                assert_eq!(
                    o.status.code().map(i64::from),
                    e["exit"][t].as_i64(),
                    "{what} --fail-on {t}"
                );
            }
        }
    }
    assert!(saw_mdapi, "a Metadata API fixture is part of the table");
}

#[test]
fn rule_help_comes_from_docs_findings_md() {
    for code in [
        "org/required-field",
        "org/validation-rule-blocks",
        "org/flow-blocks",
        "org/trigger-blocks",
        "org/deployment-disabled",
        "source/file-unreadable",
    ] {
        let (when, fix) = md_cli::render::doc_of(code).unwrap_or_else(|| panic!("{code}"));
        assert!(!when.is_empty() && !fix.is_empty(), "{code}");
    }
    assert!(md_cli::render::doc_of("org/no-such-code").is_none());
}

#[test]
fn hostile_files_are_each_one_named_finding_and_the_rest_is_still_checked() {
    let d = temp_dir("hostile");
    copy_tree(&fixtures().join("validation-rule/bad"), &d);
    let objects = d.join("force-app/main/default/objects/MessagingSession");
    let rules = objects.join("validationRules");
    // Huge: larger than any metadata file (not read at all).
    let huge = format!(
        "<ValidationRule><errorConditionFormula>{}</errorConditionFormula></ValidationRule>",
        "TRUE ".repeat(1_200_000)
    );
    std::fs::write(rules.join("Huge.validationRule-meta.xml"), huge).unwrap();
    // Deeply nested.
    let deep = format!(
        "<Flow><object>MessagingSession</object>{}{}</Flow>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    std::fs::create_dir_all(d.join("force-app/main/default/flows")).unwrap();
    std::fs::write(
        d.join("force-app/main/default/flows/Deep.flow-meta.xml"),
        deep,
    )
    .unwrap();
    // Binary (NUL bytes, valid UTF-8) and not UTF-8.
    let mut bin = b"<CustomField>MessagingSession\0\0\x01\x02".to_vec();
    bin.extend((0..4096u32).map(|i| (i * 7 % 128) as u8));
    std::fs::create_dir_all(objects.join("fields")).unwrap();
    std::fs::write(objects.join("fields/Blob__c.field-meta.xml"), bin).unwrap();
    std::fs::create_dir_all(d.join("force-app/main/default/triggers")).unwrap();
    std::fs::write(
        d.join("force-app/main/default/triggers/Latin1.trigger"),
        b"trigger Latin1 on MessagingSession (before insert) { // caf\xe9\n}\n",
    )
    .unwrap();
    // Files the checks do not need are never opened: a broken class nobody calls, a broken
    // field of another object.
    std::fs::create_dir_all(d.join("force-app/main/default/classes")).unwrap();
    std::fs::write(
        d.join("force-app/main/default/classes/Nobody.cls"),
        b"\xff\xfe\0",
    )
    .unwrap();
    std::fs::create_dir_all(d.join("force-app/main/default/objects/Account/fields")).unwrap();
    std::fs::write(
        d.join("force-app/main/default/objects/Account/fields/X__c.field-meta.xml"),
        b"\xff\xfe\0",
    )
    .unwrap();

    let o = run(&d, &["check", "--format", "json", "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json_of(&o);
    let f = found(&v);
    let problems: Vec<(String, String)> = v["diagnosis"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["code"] == "source/file-unreadable")
        .map(|x| {
            (
                x["title"].as_str().unwrap().to_string(),
                x["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |file: &str, kind: &str| {
        problems
            .iter()
            .any(|(t, s)| t.contains(file) && t.contains(kind) && s == "warning")
    };
    assert!(
        has("Huge.validationRule-meta.xml", "too large"),
        "{problems:?}"
    );
    assert!(
        has("Deep.flow-meta.xml", "nested too deeply"),
        "{problems:?}"
    );
    assert!(has("Blob__c.field-meta.xml", "binary"), "{problems:?}");
    assert!(has("Latin1.trigger", "not UTF-8"), "{problems:?}");
    assert_eq!(problems.len(), 4, "nothing else: {problems:?}");
    // The real cause is still found, exactly as without the hostile files.
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("validation-rule/expected.json")).unwrap(),
    )
    .unwrap();
    let rest: Vec<_> = f
        .into_iter()
        .filter(|x| x.0 != "source/file-unreadable")
        .collect();
    assert_eq!(rest, expected(&exp["bad"]));
    // The SARIF still passes the schema.
    let s = json_of(&run(
        &d,
        &["check", "--format", "sarif", "--fail-on", "never"],
    ));
    assert_valid_sarif(&s, "hostile");
}

#[test]
fn usage_and_read_errors_exit_2_with_a_clear_message() {
    let d = temp_dir("errors");
    std::fs::write(d.join("file.txt"), "x").unwrap();
    std::fs::create_dir_all(d.join("empty")).unwrap();
    std::fs::create_dir_all(d.join("badproject")).unwrap();
    std::fs::write(d.join("badproject/sfdx-project.json"), "{ not json").unwrap();
    for (args, says) in [
        (
            vec!["check", "missing-folder"],
            "cannot read missing-folder",
        ),
        (vec!["check", "file.txt"], "is not a folder"),
        (
            vec!["check", "empty"],
            "no Salesforce metadata found in empty",
        ),
        (
            vec!["check", "badproject"],
            "sfdx-project.json is not valid JSON",
        ),
        (
            vec!["check", "--fail-on", "sometimes", "empty"],
            "sometimes",
        ),
        (vec!["check", "--format", "xml"], "xml"),
        (vec!["inspect"], "inspect"),
    ] {
        let o = run(&d, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    let o = run(&d, &["--help"]);
    assert_eq!(o.status.code(), Some(0));
}

/// The commands the README gives for CI, run here exactly as written (against a fixture
/// project laid out like a DX repository).
#[test]
fn the_readme_ci_commands_work_as_documented() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let commands: Vec<Vec<String>> = readme
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
                .trim()
        })
        .filter(|l| l.starts_with("messaging-doctor check"))
        .map(|l| {
            l.split_whitespace()
                .take_while(|w| *w != ">" && *w != "||" && *w != "#")
                .skip(1)
                .map(str::to_string)
                .collect()
        })
        .collect();
    assert!(commands.len() >= 2, "README CI commands: {commands:?}");
    let sarif = commands
        .iter()
        .find(|c| c.iter().any(|a| a == "sarif"))
        .expect("a SARIF command in README");
    let gate = commands
        .iter()
        .find(|c| c.windows(2).any(|w| w[0] == "--fail-on" && w[1] == "error"))
        .expect("a --fail-on error command in README");
    for side in ["bad", "fixed"] {
        let dir = fixtures().join("validation-rule").join(side);
        let args: Vec<&str> = sarif.iter().map(String::as_str).collect();
        let o = run(&dir, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?} {side}");
        assert_valid_sarif(&json_of(&o), "README SARIF command");
        let args: Vec<&str> = gate.iter().map(String::as_str).collect();
        let o = run(&dir, &args);
        assert_eq!(
            o.status.code(),
            Some(if side == "bad" { 1 } else { 0 }),
            "{args:?} {side}"
        );
    }
}

/// Colour only on a terminal, and never with NO_COLOR: run under `script` (a pseudo-terminal),
/// where util-linux provides it.
#[test]
fn colour_on_a_terminal_only() {
    let Ok(which) = Command::new("script").arg("--version").output() else {
        eprintln!("no `script` on this machine: terminal colour not checked");
        return;
    };
    if !which.status.success() {
        return;
    }
    let dir = fixtures().join("validation-rule/bad");
    let in_pty = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{} check", bin()), "/dev/null"])
            .current_dir(&dir)
            .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).to_string()
    };
    let coloured = in_pty(false);
    assert!(coloured.contains("\x1b[31;1merror"), "{coloured}");
    let plain = in_pty(true);
    assert!(
        plain.contains("org/validation-rule-blocks") && !plain.contains('\x1b'),
        "{plain}"
    );
}
