//! Finding and reading a project: which folders hold metadata, which files the checks need
//! (and only those are opened), and their XML turned into the core's source items.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use messaging_doctor::analysis::apex::lexer::{lex, TokenKind};
use messaging_doctor::source::{
    FileProblem, Located, SourceClass, SourceDeployment, SourceField, SourceFlow, SourceInput,
    SourceRule, SourceTrigger,
};
use roxmltree::Node;

use crate::xml::{self, child, child_bool, child_raw, child_text, line_of};

/// Largest file opened (metadata files are kilobytes; a bigger one is named, not read).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Most Apex classes followed from the triggers.
const MAX_CLASSES: usize = 500;

const CHAT_OBJECTS: [&str; 2] = ["MessagingSession", "MessagingEndUser"];

/// What PATH is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `sfdx-project.json` and its package directories.
    SfdxProject,
    /// `package.xml` (Metadata API format).
    MetadataApi,
    /// A folder of source without either (e.g. `force-app` itself).
    SourceFolder,
}

impl Layout {
    pub fn words(self) -> &'static str {
        match self {
            Layout::SfdxProject => "Salesforce DX project",
            Layout::MetadataApi => "Metadata API folder",
            Layout::SourceFolder => "source folder",
        }
    }
}

/// The project as read.
pub struct Project {
    pub layout: Layout,
    pub input: SourceInput,
    /// Metadata files seen (by name) and files opened.
    pub files_seen: usize,
    pub files_opened: usize,
}

/// Reads the project at `root`. `Err` only for what makes the whole check impossible (PATH
/// missing or not a folder, an unreadable sfdx-project.json, no metadata at all); a bad file
/// inside is a [`FileProblem`].
pub fn read(root: &Path, shown_root: &str) -> Result<Project, String> {
    let meta = fs::metadata(root).map_err(|e| format!("cannot read {shown_root}: {e}"))?;
    if !meta.is_dir() {
        return Err(format!(
            "{shown_root} is not a folder: give a Salesforce DX project, a package directory or a Metadata API folder"
        ));
    }
    let mut r = Reader {
        root: root.to_path_buf(),
        shown_root: shown_root.to_string(),
        input: SourceInput::default(),
        files_seen: 0,
        files_opened: 0,
        classes: BTreeMap::new(),
    };
    let sfdx = root.join("sfdx-project.json");
    let (layout, dirs) = if sfdx.is_file() {
        let text =
            fs::read_to_string(&sfdx).map_err(|e| format!("cannot read {}: {e}", r.show(&sfdx)))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not valid JSON: {e}", r.show(&sfdx)))?;
        let dirs: Vec<PathBuf> = v["packageDirectories"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d["path"].as_str())
                    .map(|p| root.join(p))
                    .collect()
            })
            .unwrap_or_default();
        if dirs.is_empty() {
            return Err(format!(
                "{} lists no packageDirectories with a path",
                r.show(&sfdx)
            ));
        }
        (Layout::SfdxProject, dirs)
    } else if root.join("package.xml").is_file() {
        (Layout::MetadataApi, vec![root.to_path_buf()])
    } else {
        (Layout::SourceFolder, vec![root.to_path_buf()])
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for d in &dirs {
        r.walk(d, &mut files);
    }
    files.sort();
    for f in &files {
        r.classify(f);
    }
    r.follow_classes();
    if layout == Layout::SourceFolder && r.files_seen == 0 && r.input.problems.is_empty() {
        return Err(format!(
            "no Salesforce metadata found in {shown_root} (looked for sfdx-project.json, package.xml, objects/, flows/, triggers/, classes/)"
        ));
    }
    Ok(Project {
        layout,
        input: r.input,
        files_seen: r.files_seen,
        files_opened: r.files_opened,
    })
}

struct Reader {
    root: PathBuf,
    shown_root: String,
    input: SourceInput,
    files_seen: usize,
    files_opened: usize,
    /// Class name (lower case) → file, not yet opened.
    classes: BTreeMap<String, PathBuf>,
}

fn has_suffix(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len() && name.ends_with(suffix)
}

fn is_chat_object(o: &str) -> bool {
    CHAT_OBJECTS.iter().any(|x| x.eq_ignore_ascii_case(o))
}

impl Reader {
    /// The path as shown in findings: PATH as the user wrote it, then the part inside.
    fn show(&self, p: &Path) -> String {
        let rel = p.strip_prefix(&self.root).unwrap_or(p);
        let rel = rel.to_string_lossy().replace('\\', "/");
        let base = self.shown_root.trim_end_matches('/');
        if base.is_empty() || base == "." {
            rel
        } else {
            format!("{base}/{rel}")
        }
    }

    fn problem(&mut self, p: &Path, kind: &str, detail: String, line: Option<u32>) {
        let file = self.show(p);
        self.input.problems.push(FileProblem {
            file,
            line,
            kind: kind.into(),
            detail,
        });
    }

    /// Every file under `dir`, without following symbolic links to folders (no loops) and
    /// skipping hidden folders and node_modules.
    fn walk(&mut self, dir: &Path, out: &mut Vec<PathBuf>) {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = match fs::read_dir(&d) {
                Ok(e) => e,
                Err(e) => {
                    self.problem(&d, "unreadable folder", e.to_string(), None);
                    continue;
                }
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    if !name.starts_with('.') && name != "node_modules" {
                        stack.push(e.path());
                    }
                } else {
                    out.push(e.path());
                }
            }
        }
    }

    /// The text of a file, or a named problem.
    fn open(&mut self, p: &Path) -> Option<String> {
        match fs::metadata(p) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                self.problem(
                    p,
                    "too large",
                    format!(
                        "{} bytes; metadata files are read up to {} bytes",
                        m.len(),
                        MAX_FILE_BYTES
                    ),
                    None,
                );
                return None;
            }
            Err(e) => {
                self.problem(p, "unreadable", e.to_string(), None);
                return None;
            }
            _ => {}
        }
        self.files_opened += 1;
        let bytes = match fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                self.problem(p, "unreadable", e.to_string(), None);
                return None;
            }
        };
        match String::from_utf8(bytes) {
            Ok(mut s) => {
                if s.starts_with('\u{feff}') {
                    s.remove(0);
                }
                if s.contains('\0') {
                    self.problem(p, "binary", "the file contains NUL bytes".into(), None);
                    return None;
                }
                Some(s)
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() as u32 + 1;
                self.problem(
                    p,
                    "not UTF-8",
                    format!("invalid UTF-8 at byte {at}"),
                    Some(line),
                );
                None
            }
        }
    }

    fn classify(&mut self, p: &Path) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let parent = |up: usize| -> String {
            p.ancestors()
                .nth(up)
                .and_then(|a| a.file_name())
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        };
        if has_suffix(&name, ".field-meta.xml") {
            self.files_seen += 1;
            // objects/<Object>/fields/<Field>.field-meta.xml
            let object = parent(2);
            if is_chat_object(&object) && name.contains("__c.") {
                self.read_field_file(p, &object);
            }
        } else if has_suffix(&name, ".validationRule-meta.xml") {
            self.files_seen += 1;
            let object = parent(2);
            if is_chat_object(&object) {
                self.read_rule_file(p, &object);
            }
        } else if has_suffix(&name, ".object") {
            self.files_seen += 1;
            let object = name.trim_end_matches(".object");
            if is_chat_object(object) {
                let object = object.to_string();
                self.read_object_file(p, &object);
            }
        } else if has_suffix(&name, ".flow-meta.xml") || has_suffix(&name, ".flow") {
            self.files_seen += 1;
            let api = name
                .trim_end_matches(".flow-meta.xml")
                .trim_end_matches(".flow")
                .to_string();
            self.read_flow_file(p, &api);
        } else if has_suffix(&name, ".trigger") {
            self.files_seen += 1;
            let tname = name.trim_end_matches(".trigger").to_string();
            self.read_trigger_file(p, &tname);
        } else if has_suffix(&name, ".cls") {
            self.files_seen += 1;
            let cname = name.trim_end_matches(".cls").to_ascii_lowercase();
            self.classes.insert(cname, p.to_path_buf());
        } else if has_suffix(&name, ".EmbeddedServiceConfig-meta.xml")
            || has_suffix(&name, ".EmbeddedServiceConfig")
        {
            self.files_seen += 1;
            let dname = name
                .trim_end_matches(".EmbeddedServiceConfig-meta.xml")
                .trim_end_matches(".EmbeddedServiceConfig")
                .to_string();
            self.read_deployment_file(p, &dname);
        } else if name.ends_with("-meta.xml") || name == "package.xml" {
            self.files_seen += 1;
        }
    }

    fn parse_then<F>(&mut self, p: &Path, f: F)
    where
        F: FnOnce(&mut Reader, &roxmltree::Document, String),
    {
        let Some(text) = self.open(p) else { return };
        match xml::parse(&text) {
            Ok(doc) => {
                let shown = self.show(p);
                f(self, &doc, shown)
            }
            Err((kind, detail, line)) => self.problem(p, &kind, detail, line),
        }
    }

    fn read_field_file(&mut self, p: &Path, object: &str) {
        let object = object.to_string();
        self.parse_then(p, |r, doc, shown| {
            let root = doc.root_element();
            let stem = p
                .file_name()
                .map(|n| {
                    n.to_string_lossy()
                        .trim_end_matches(".field-meta.xml")
                        .to_string()
                })
                .unwrap_or_default();
            r.input
                .fields
                .push(field_of(doc, root, &object, &stem, &shown));
        });
    }

    fn read_rule_file(&mut self, p: &Path, object: &str) {
        let object = object.to_string();
        self.parse_then(p, |r, doc, shown| {
            let stem = p
                .file_name()
                .map(|n| {
                    n.to_string_lossy()
                        .trim_end_matches(".validationRule-meta.xml")
                        .to_string()
                })
                .unwrap_or_default();
            r.input
                .rules
                .push(rule_of(doc, doc.root_element(), &object, &stem, &shown));
        });
    }

    /// Metadata API format: one file per object with nested fields and rules.
    fn read_object_file(&mut self, p: &Path, object: &str) {
        let object = object.to_string();
        self.parse_then(p, |r, doc, shown| {
            let root = doc.root_element();
            for n in root.children().filter(|c| c.is_element()) {
                match n.tag_name().name() {
                    "fields" => {
                        let f = field_of(doc, n, &object, "", &shown);
                        if f.name.ends_with("__c") {
                            r.input.fields.push(f);
                        }
                    }
                    "validationRules" => r.input.rules.push(rule_of(doc, n, &object, "", &shown)),
                    _ => {}
                }
            }
        });
    }

    fn read_flow_file(&mut self, p: &Path, api: &str) {
        let Some(text) = self.open(p) else { return };
        // Only flows that name one of the two objects are parsed; the rest are counted.
        if !CHAT_OBJECTS.iter().any(|o| text.contains(o)) {
            self.input.other_flows += 1;
            return;
        }
        match xml::parse(&text) {
            Ok(doc) => {
                let root = doc.root_element();
                let (metadata, element_lines) = xml::flow_json(&doc);
                let start_line = child(root, "start").map(|s| line_of(&doc, s)).unwrap_or(1);
                self.input.flows.push(SourceFlow {
                    api_name: api.to_string(),
                    status: child_text(root, "status").unwrap_or_else(|| "Draft".into()),
                    metadata,
                    element_lines,
                    at: Located::new(self.show(p), start_line),
                });
            }
            Err((kind, detail, line)) => self.problem(p, &kind, detail, line),
        }
    }

    fn read_trigger_file(&mut self, p: &Path, name: &str) {
        let Some(body) = self.open(p) else { return };
        let lower = body.to_ascii_lowercase();
        if !CHAT_OBJECTS
            .iter()
            .any(|o| lower.contains(&o.to_ascii_lowercase()))
        {
            return;
        }
        let on_chat =
            messaging_doctor::source::trigger_object(&body).is_some_and(|o| is_chat_object(&o));
        if !on_chat {
            return;
        }
        let meta_path = PathBuf::from(format!("{}-meta.xml", p.display()));
        let mut status = "Active".to_string();
        let mut meta_file = None;
        if meta_path.is_file() {
            meta_file = Some(self.show(&meta_path));
            let mut read_status = None;
            self.parse_then(&meta_path, |_, doc, _| {
                read_status = child_text(doc.root_element(), "status");
            });
            if let Some(s) = read_status {
                status = s;
            }
        }
        self.input.triggers.push(SourceTrigger {
            name: name.to_string(),
            body,
            status,
            file: self.show(p),
            meta_file,
        });
    }

    fn read_deployment_file(&mut self, p: &Path, name: &str) {
        let name = name.to_string();
        self.parse_then(p, |r, doc, shown| {
            let root = doc.root_element();
            // The line of what the check judges: guest access, else the enabled flag.
            let line = child(root, "areGuestUsersAllowed")
                .or_else(|| child(root, "isEnabled"))
                .map(|n| line_of(doc, n))
                .unwrap_or_else(|| line_of(doc, root));
            r.input.deployments.push(SourceDeployment {
                name: name.clone(),
                feature: child_text(root, "deploymentFeature"),
                enabled: child_bool(root, "isEnabled"),
                guests_allowed: child_bool(root, "areGuestUsersAllowed"),
                auth_method: child_text(root, "authMethod"),
                at: Located::new(shown, line),
            });
        });
    }

    /// Opens the classes the triggers name, then the classes those name, and so on: only
    /// the classes the analyser can reach are read.
    fn follow_classes(&mut self) {
        let mut queue: Vec<String> = Vec::new();
        let bodies: Vec<String> = self.input.triggers.iter().map(|t| t.body.clone()).collect();
        for b in &bodies {
            self.names_in(b, &mut queue);
        }
        while let Some(name) = queue.pop() {
            if self.input.classes.len() >= MAX_CLASSES {
                break;
            }
            let Some(path) = self.classes.remove(&name) else {
                continue;
            };
            let Some(body) = self.open(&path) else {
                continue;
            };
            self.names_in(&body, &mut queue);
            let shown = self.show(&path);
            let proper = path
                .file_name()
                .map(|n| n.to_string_lossy().trim_end_matches(".cls").to_string())
                .unwrap_or(name);
            self.input.classes.push(SourceClass {
                name: proper,
                body,
                file: shown,
            });
        }
    }

    fn names_in(&self, body: &str, queue: &mut Vec<String>) {
        for t in lex(body) {
            if t.kind == TokenKind::Ident {
                let n = t.text(body).to_ascii_lowercase();
                if self.classes.contains_key(&n) && !queue.contains(&n) {
                    queue.push(n);
                }
            }
        }
    }
}

fn field_of(
    doc: &roxmltree::Document,
    n: Node,
    object: &str,
    stem: &str,
    shown: &str,
) -> SourceField {
    let name = child_text(n, "fullName").unwrap_or_else(|| stem.to_string());
    // A picklist's default: a value marked <default>true</default>.
    let picklist_default = n
        .descendants()
        .filter(|d| d.is_element() && d.tag_name().name() == "value")
        .find(|v| child_bool(*v, "default") == Some(true))
        .and_then(|v| child_text(v, "fullName"));
    let required_line = child(n, "required").map(|r| line_of(doc, r));
    SourceField {
        object: object.to_string(),
        name,
        label: child_text(n, "label"),
        field_type: child_text(n, "type").unwrap_or_default(),
        required: child_bool(n, "required").unwrap_or(false),
        default_value: child_text(n, "defaultValue").or(picklist_default),
        formula: child(n, "formula").is_some(),
        at: Located::new(shown, required_line.unwrap_or_else(|| line_of(doc, n))),
    }
}

fn rule_of(
    doc: &roxmltree::Document,
    n: Node,
    object: &str,
    stem: &str,
    shown: &str,
) -> SourceRule {
    let formula_node = child(n, "errorConditionFormula");
    let line = formula_node
        .and_then(|f| f.first_child())
        .map(|t| line_of(doc, t))
        .or(formula_node.map(|f| line_of(doc, f)))
        .unwrap_or_else(|| line_of(doc, n));
    SourceRule {
        object: object.to_string(),
        name: child_text(n, "fullName").unwrap_or_else(|| stem.to_string()),
        active: child_bool(n, "active").unwrap_or(false),
        formula: child_raw(n, "errorConditionFormula").unwrap_or_default(),
        error_message: child_text(n, "errorMessage").unwrap_or_default(),
        at: Located::new(shown, line),
    }
}
