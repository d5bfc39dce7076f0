//! What a path does before a record element runs: reads of a Get Records result that may be
//! empty, Update Records on the triggering record whose conditions the inserted record fails,
//! and saves of a record variable the path never assigned.

use serde_json::Value;

use super::cond::{self, render_operand, State};
use super::model::{flag, list, text, Element, ElementType};
use super::walk::Walk;
use crate::analysis::formula::{Eval, Value as V};

/// The lookups the platform fills when a conversation starts; their records exist.
const SET_LOOKUPS: &[&str] = &["MessagingEndUserId", "MessagingChannelId"];

/// Most references read from one element.
const MAX_REFS: usize = 64;

/// `elementReference` / `leftValueReference` strings anywhere in an element's definition.
fn references(v: &Value, out: &mut Vec<String>, depth: u32) {
    if out.len() >= MAX_REFS || depth > 12 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("elementReference" | "leftValueReference", Value::String(s)) => {
                        out.push(s.trim_start_matches("{!").trim_end_matches('}').to_string())
                    }
                    // Where a value goes is not a read.
                    (
                        "assignToReference" | "outputReference" | "connector" | "faultConnector",
                        _,
                    ) => {}
                    _ => references(x, out, depth + 1),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                references(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

impl Walk<'_, '_, '_> {
    /// Fields of automatically stored Get Records results that `el` reads, each with the
    /// lookup that stores it, its filters in words, and whether it can come back empty. A
    /// lookup by the inserted record's own channel or end user always finds its record.
    pub(crate) fn empty_lookup_reads(
        &self,
        el: &Element<'_>,
        conds: &[String],
    ) -> Vec<(String, String, String)> {
        let mut refs = Vec::new();
        references(el.raw, &mut refs, 0);
        let g = self.ctx.graph;
        let mut out: Vec<(String, String, String)> = Vec::new();
        for r in refs {
            let Some((root, field)) = r.split_once('.') else {
                continue;
            };
            if field.is_empty() {
                continue;
            }
            let Some(lookup) = g.find(root).and_then(|j| g.get(j)) else {
                continue;
            };
            if lookup.kind != ElementType::RecordLookup
                || flag(lookup.raw, "storeOutputAutomatically") != Some(true)
                || flag(lookup.raw, "getFirstRecordOnly") == Some(false)
            {
                continue;
            }
            let filters: Vec<&Value> = list(lookup.raw.get("filters")).collect();
            let cannot_be_empty = filters.len() == 1
                && filters.first().is_some_and(|f| {
                    text(f, "field").is_some_and(|x| x.eq_ignore_ascii_case("Id"))
                        && text(f, "operator").is_some_and(|x| x.eq_ignore_ascii_case("EqualTo"))
                        && f.get("value")
                            .and_then(|v| text(v, "elementReference"))
                            .and_then(|v| v.strip_prefix("$Record."))
                            .is_some_and(|v| SET_LOOKUPS.iter().any(|s| s.eq_ignore_ascii_case(v)))
                });
            // A decision on the path already asked whether the lookup found a record.
            let checked = conds.iter().any(|c| {
                c.contains(&format!("{{!{root}}} IsNull"))
                    || c.contains(&format!("{{!{root}.Id}} IsNull"))
            });
            if cannot_be_empty || checked || out.iter().any(|(x, _, _)| *x == r) {
                continue;
            }
            let filter_text = if filters.is_empty() {
                "it has no filters: the object has no records".to_string()
            } else {
                filters
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {} {}",
                            text(f, "field").unwrap_or("?"),
                            text(f, "operator").unwrap_or("EqualTo"),
                            render_operand(f.get("value"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ")
            };
            out.push((r.clone(), lookup.describe(), filter_text));
        }
        out
    }

    /// An Update Records on the triggering record whose own conditions are false for the
    /// inserted record: it updates nothing. Returns the note for the path.
    pub(crate) fn update_skipped(&self, el: &Element<'_>, st: &State) -> Option<String> {
        let raw = el.raw;
        let on_record = text(raw, "inputReference").is_some_and(|r| {
            r.eq_ignore_ascii_case("$Record") || r.eq_ignore_ascii_case("{!$Record}")
        });
        if el.kind != ElementType::RecordUpdate || !on_record {
            return None;
        }
        let conds = self.ctx.entry_filters(raw, st);
        if conds.is_empty() {
            return None;
        }
        let values: Vec<Eval> = conds.iter().map(|c| c.value.clone()).collect();
        match cond::combine(text(raw, "filterLogic"), &values) {
            Eval::Known(V::Bool(false)) | Eval::Known(V::Null) => Some(format!(
                "updates nothing: its conditions ({}) are false for the inserted record",
                conds
                    .iter()
                    .map(|c| c.text.clone())
                    .collect::<Vec<_>>()
                    .join(" AND ")
            )),
            _ => None,
        }
    }

    /// A Create/Update/Delete Records on a record variable the path never assigned (no default,
    /// not an input, not set by any element): the variable is empty and nothing is saved.
    pub(crate) fn unassigned_input(&self, el: &Element<'_>, st: &State) -> Option<String> {
        if !matches!(
            el.kind,
            ElementType::RecordCreate | ElementType::RecordUpdate | ElementType::RecordDelete
        ) {
            return None;
        }
        let input = text(el.raw, "inputReference")?;
        let input = input.trim_start_matches("{!").trim_end_matches('}');
        if input.contains('.') || input.starts_with('$') {
            return None;
        }
        let g = self.ctx.graph;
        let var = g.resource("variables", input)?;
        if flag(var, "isInput") == Some(true)
            || var.get("value").is_some()
            || g.written_by_elements(input)
            || st.has_var(input)
        {
            return None;
        }
        Some(format!(
            "{{!{input}}} was never assigned on this path: the record variable is empty, so nothing is saved"
        ))
    }
}
