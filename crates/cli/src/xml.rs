//! Metadata XML: parsing with bounds, small readers, and the flow XML → the JSON shape of the
//! Tooling API's Flow `Metadata` (what the core's flow analyser reads).

use roxmltree::{Document, Node, ParsingOptions};
use serde_json::{Map, Value};

/// Deepest element nesting read. Real metadata nests under 15 levels; this keeps a hostile
/// file from costing more than its size.
pub const MAX_DEPTH: usize = 64;
/// Most XML nodes in one file.
pub const MAX_NODES: u32 = 2_000_000;

/// Why a file could not be read as metadata: (kind, detail, line).
pub type XmlError = (String, String, Option<u32>);

pub fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    // The tree builder recurses per nesting level, so depth is bounded before it runs.
    if let Some(line) = too_deep(text, MAX_DEPTH) {
        return Err((
            "nested too deeply".into(),
            format!("elements nested deeper than {MAX_DEPTH} levels"),
            Some(line),
        ));
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| {
        (
            "malformed XML".to_string(),
            e.to_string(),
            Some(e.pos().row),
        )
    })?;
    Ok(doc)
}

/// The line where element nesting first passes `max`, by a scan of the tags (comments,
/// CDATA, processing instructions and declarations skipped; quoted attribute values may hold
/// `>`). A rough count is enough: it only has to keep hostile files away from the parser.
fn too_deep(text: &str, max: usize) -> Option<u32> {
    let b = text.as_bytes();
    let (mut i, mut depth, mut line) = (0usize, 0usize, 1u32);
    let skip_to = |from: usize, end: &[u8]| -> usize {
        b[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map(|p| from + p + end.len())
            .unwrap_or(b.len())
    };
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' => {
                let rest = &b[i..];
                let end = if rest.starts_with(b"<!--") {
                    skip_to(i, b"-->")
                } else if rest.starts_with(b"<![CDATA[") {
                    skip_to(i, b"]]>")
                } else {
                    // A tag: find its end outside quotes.
                    let mut j = i + 1;
                    let mut quote = 0u8;
                    while j < b.len() {
                        let c = b[j];
                        if quote != 0 {
                            if c == quote {
                                quote = 0;
                            }
                        } else if c == b'"' || c == b'\'' {
                            quote = c;
                        } else if c == b'>' {
                            break;
                        }
                        j += 1;
                    }
                    let self_closing = j > i && b.get(j - 1) == Some(&b'/');
                    match rest.get(1) {
                        Some(b'/') => depth = depth.saturating_sub(1),
                        Some(b'?') | Some(b'!') => {}
                        _ if self_closing => {}
                        _ => {
                            depth += 1;
                            if depth > max {
                                return Some(line);
                            }
                        }
                    }
                    j + 1
                };
                line += b[i..end.min(b.len())]
                    .iter()
                    .filter(|c| **c == b'\n')
                    .count() as u32;
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

pub fn line_of(doc: &Document, n: Node) -> u32 {
    doc.text_pos_at(n.range().start).row
}

/// The first child element named `name`.
pub fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text of the first child element named `name` (empty reads as absent).
pub fn child_text(n: Node, name: &str) -> Option<String> {
    child(n, name)
        .and_then(|c| c.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The untrimmed text of a child (formulas keep their layout, so line numbers inside hold).
pub fn child_raw(n: Node, name: &str) -> Option<String> {
    child(n, name).map(|c| c.text().unwrap_or("").to_string())
}

pub fn child_bool(n: Node, name: &str) -> Option<bool> {
    match child_text(n, name)?.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Keys whose text is a number in the Tooling JSON.
const NUMBER_KEYS: [&str; 6] = [
    "numberValue",
    "locationX",
    "locationY",
    "apiVersion",
    "triggerOrder",
    "scale",
];

fn leaf(key: &str, n: Node) -> Value {
    if n.attributes()
        .any(|a| a.name() == "nil" && a.value() == "true")
    {
        return Value::Null;
    }
    let t = n.text().unwrap_or("");
    if NUMBER_KEYS.contains(&key) {
        if let Some(num) = t
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(num);
        }
    }
    if key != "stringValue" {
        match t.trim() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(t.to_string())
}

/// The flow document as Tooling-style JSON: an element with child elements is an object, a
/// repeated child becomes an array, text leaves become strings, booleans and numbers. Also
/// returns the line of each top-level element's `<name>`.
pub fn flow_json(doc: &Document) -> (Value, Vec<(String, u32)>) {
    let root = doc.root_element();
    let mut lines = Vec::new();
    for el in root.children().filter(|c| c.is_element()) {
        if let Some(name) = child_text(el, "name") {
            lines.push((name, line_of(doc, el)));
        }
    }
    (object_of(root), lines)
}

/// Converts `n`; recursion is bounded by the depth check in [`parse`].
fn object_of(n: Node) -> Value {
    let mut map = Map::new();
    for c in n.children().filter(|c| c.is_element()) {
        let key = c.tag_name().name().to_string();
        let v = if c.children().any(|x| x.is_element()) {
            object_of(c)
        } else {
            leaf(&key, c)
        };
        match map.get_mut(&key) {
            Some(Value::Array(a)) => a.push(v),
            Some(prev) => {
                let first = prev.take();
                *prev = Value::Array(vec![first, v]);
            }
            None => {
                map.insert(key, v);
            }
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_xml_reads_like_tooling_json() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Flow xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>62.0</apiVersion>
    <decisions>
        <name>D</name>
        <rules><name>R</name><conditions><operator>IsNull</operator><rightValue><booleanValue>true</booleanValue></rightValue></conditions></rules>
    </decisions>
    <customErrors><name>E1</name></customErrors>
    <customErrors><name>E2</name></customErrors>
    <start><filters><value><stringValue>true</stringValue></value></filters><object>MessagingSession</object></start>
    <status>Active</status>
</Flow>"#;
        let doc = parse(xml).unwrap();
        let (v, lines) = flow_json(&doc);
        assert_eq!(v["apiVersion"], 62.0);
        assert_eq!(v["customErrors"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["decisions"]["rules"]["conditions"]["rightValue"]["booleanValue"],
            true
        );
        assert_eq!(v["start"]["filters"]["value"]["stringValue"], "true");
        assert_eq!(v["status"], "Active");
        assert_eq!(lines[0], ("D".to_string(), 4));
        assert_eq!(lines[2], ("E2".to_string(), 9));
    }

    #[test]
    fn deep_and_malformed_xml_are_errors_with_a_kind() {
        let deep = format!("<a>{}{}</a>", "<b>".repeat(200), "</b>".repeat(200));
        assert_eq!(parse(&deep).unwrap_err().0, "nested too deeply");
        let bad = parse("<a>\n<b></a>").unwrap_err();
        assert_eq!(bad.0, "malformed XML");
        assert_eq!(bad.2, Some(2));
        assert!(parse("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>").is_err());
    }
}
