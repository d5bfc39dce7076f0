//! Figures only: generates a Salesforce DX project of 10,000 metadata files (most on other
//! objects, as in a real org; a few hundred on MessagingSession / MessagingEndUser: fields,
//! rules, flows, triggers and the classes they call) and times `messaging-doctor check` on it,
//! in process (read + judge + SARIF) and as a process.
//!
//! `cargo run --release -p messaging-doctor-cli --example bench_check`

use std::path::Path;
use std::time::Instant;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const H: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

fn main() {
    let root = std::env::temp_dir().join(format!("md-bench-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(
        &root.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
    );
    let d = root.join("force-app/main/default");
    let count = std::cell::Cell::new(0usize);
    let put = |rel: String, text: String| {
        write(&d.join(rel), &text);
        count.set(count.get() + 1);
    };
    // 4,000 fields and 1,000 rules on 100 other objects.
    for i in 0..4000 {
        put(format!("objects/Obj{}__c/fields/F{i}__c.field-meta.xml", i % 100),
            format!("{H}<CustomField><fullName>F{i}__c</fullName><label>F {i}</label><required>{}</required><type>Text</type><length>80</length></CustomField>\n", i % 3 == 0));
    }
    for i in 0..1000 {
        put(format!("objects/Obj{}__c/validationRules/R{i}.validationRule-meta.xml", i % 100),
            format!("{H}<ValidationRule><fullName>R{i}</fullName><active>true</active><errorConditionFormula>AND(ISBLANK(F{i}__c), ISNEW())</errorConditionFormula><errorMessage>m</errorMessage></ValidationRule>\n"));
    }
    // 200 fields and 100 rules on the chat objects.
    for i in 0..200 {
        let o = if i % 2 == 0 {
            "MessagingSession"
        } else {
            "MessagingEndUser"
        };
        put(format!("objects/{o}/fields/C{i}__c.field-meta.xml"),
            format!("{H}<CustomField><fullName>C{i}__c</fullName><label>C {i}</label><required>{}</required><defaultValue>'x'</defaultValue><type>Text</type></CustomField>\n", i % 5 == 0));
    }
    for i in 0..100 {
        put(format!("objects/MessagingSession/validationRules/S{i}.validationRule-meta.xml"),
            format!("{H}<ValidationRule><fullName>S{i}</fullName><active>true</active><errorConditionFormula>AND(\n  NOT(ISNEW()),\n  ISPICKVAL(Status, 'Ended'),\n  ISBLANK(C{i}__c)\n)</errorConditionFormula><errorMessage>m</errorMessage></ValidationRule>\n"));
    }
    // 1,000 flows: 950 on other objects, 50 record-triggered on MessagingSession.
    for i in 0..1000 {
        let object = if i % 20 == 0 {
            "MessagingSession"
        } else {
            "Account"
        };
        // Every 100th flow's decision matches the inserted record: a finding.
        let status = if i % 100 == 0 { "Waiting" } else { "Ended" };
        put(format!("flows/Flow{i}.flow-meta.xml"), format!(
            "{H}<Flow>\n<apiVersion>62.0</apiVersion>\n<assignments><name>A</name><label>A</label><assignmentItems><assignToReference>$Record.Description</assignToReference><operator>Assign</operator><value><stringValue>x</stringValue></value></assignmentItems><connector><targetReference>D</targetReference></connector></assignments>\n<decisions><name>D</name><label>D</label><defaultConnectorLabel>d</defaultConnectorLabel><rules><name>R</name><conditionLogic>and</conditionLogic><conditions><leftValueReference>$Record.Status</leftValueReference><operator>EqualTo</operator><rightValue><stringValue>{status}</stringValue></rightValue></conditions><connector><targetReference>E</targetReference></connector><label>R</label></rules></decisions>\n<customErrors><name>E</name><label>E</label><customErrorMessages><errorMessage>no</errorMessage><isFieldError>false</isFieldError></customErrorMessages></customErrors>\n<label>Flow {i}</label>\n<processType>AutoLaunchedFlow</processType>\n<start><connector><targetReference>A</targetReference></connector><object>{object}</object><recordTriggerType>CreateAndUpdate</recordTriggerType><triggerType>RecordBeforeSave</triggerType></start>\n<status>Active</status>\n</Flow>\n"));
    }
    // 1,500 classes (+ meta), 400 triggers (+ meta): 20 on MessagingSession calling handlers.
    for i in 0..1450 {
        put(format!("classes/Handler{i}.cls"), format!(
            "public with sharing class Handler{i} {{\n    public static void run(List<SObject> rows) {{\n        for (SObject r : rows) {{\n            if (r.get('Name') == 'x{i}') {{\n                System.debug(r);\n            }}\n        }}\n    }}\n}}\n"));
        put(
            format!("classes/Handler{i}.cls-meta.xml"),
            format!(
                "{H}<ApexClass><apiVersion>62.0</apiVersion><status>Active</status></ApexClass>\n"
            ),
        );
    }
    for i in 0..400 {
        let object = if i % 20 == 0 {
            "MessagingSession"
        } else {
            "Contact"
        };
        put(format!("triggers/T{i}.trigger"), format!(
            "trigger T{i} on {object} (before insert, before update) {{\n    Handler{i}.run(Trigger.new);\n}}\n"));
        put(format!("triggers/T{i}.trigger-meta.xml"), format!("{H}<ApexTrigger><apiVersion>62.0</apiVersion><status>Active</status></ApexTrigger>\n"));
    }
    // Fill up to 10,000 with layouts and other metadata the check does not open.
    while count.get() < 10_000 {
        let i = count.get();
        put(
            format!("layouts/L{i}.layout-meta.xml"),
            format!("{H}<Layout><layoutSections><label>S</label></layoutSections></Layout>\n"),
        );
    }
    println!(
        "generated {} metadata files in {}",
        count.get(),
        root.display()
    );

    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let t = Instant::now();
        let c = md_cli::check_path(&root).unwrap();
        let sarif = md_cli::render::sarif(&c);
        let _ = serde_json::to_string(&sarif).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(c);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let c = last.unwrap();
    println!(
        "in process (read + judge + SARIF): median {:.0} ms, best {:.0} ms, worst {:.0} ms over {} runs; {} files seen, {} opened, {} findings",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len(),
        c.files_seen,
        c.files_opened,
        c.report.findings.len()
    );
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("messaging-doctor"))
        .filter(|p| p.is_file());
    if let Some(bin) = bin {
        let mut ptimes = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let o = std::process::Command::new(&bin)
                .args(["check", "--format", "sarif", "--fail-on", "never"])
                .arg(&root)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0));
            ptimes.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ptimes.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "as a process ({}): median {:.0} ms, best {:.0} ms",
            bin.display(),
            ptimes[ptimes.len() / 2],
            ptimes[0]
        );
    } else {
        println!("(build the binary with `cargo build --release -p messaging-doctor-cli` to time the process too)");
    }
    let _ = std::fs::remove_dir_all(&root);
}
