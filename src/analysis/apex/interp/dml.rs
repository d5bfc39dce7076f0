//! DML sites: what an insert/update/delete in the trigger's path does to the insert.

use super::*;

impl<'p, 'a> Interp<'p, 'a> {
    pub(super) fn dml_site(
        &mut self,
        line: u32,
        op: &str,
        target: &'p Expr,
        v: &Val,
        all_or_none: Option<bool>,
        as_user: bool,
    ) {
        let verb = match op {
            "insert" => "inserting",
            "update" => "updating",
            "upsert" => "upserting",
            "delete" => "deleting",
            "undelete" => "undeleting",
            "merge" => "merging",
            _ => "saving",
        };
        let tsrc = self.src(target);
        let st = self.static_type_of(target);
        if let Val::Coll(true) = v {
            self.site(
                line,
                SiteKind::Dml,
                Risk::Harmless,
                format!("{op} of `{tsrc}`, which is empty here: nothing is saved"),
                None,
            );
            return;
        }
        if all_or_none == Some(false) {
            self.site(
                line,
                SiteKind::Dml,
                Risk::Harmless,
                format!("Database.{op}(…, false): allOrNone is false, so failed rows are returned in the results instead of throwing"),
                None,
            );
            return;
        }
        let user = if as_user {
            " (as user: the Automated Process user's object and field permissions apply)"
        } else {
            ""
        };
        match v {
            Val::RecordList => {
                let note = format!(
                    "`{op}` on Trigger.new inside its own trigger throws 'DML statement cannot operate on trigger.new or trigger.old'"
                );
                self.site(
                    line,
                    SiteKind::Dml,
                    Risk::Blocks,
                    note,
                    Some("DmlException"),
                );
                return;
            }
            Val::Record if self.event.before() => {
                let note = format!(
                    "`{op} {tsrc}` in before insert works on the record being inserted, which has no Id yet and cannot be saved separately: DmlException"
                );
                self.site(
                    line,
                    SiteKind::Dml,
                    Risk::Blocks,
                    note,
                    Some("DmlException"),
                );
                return;
            }
            Val::Record => {
                let note = format!(
                    "{verb} the record being inserted from its own after-insert trigger runs its update automation (validation rules, triggers, flows), which may fail{user}"
                );
                self.may_throw(line, SiteKind::Dml, note, Some("DmlException"));
                return;
            }
            _ => {}
        }
        let (obj, many) = match (v, &st) {
            (Val::SObject(o), _) => (o.clone(), false),
            (Val::Rows(o, _, _), _) => (o.clone(), true),
            (_, Some(t)) if t.is_collection() => (
                t.element()
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| "SObject".into()),
                true,
            ),
            (_, Some(t)) if t.array => (t.name.clone(), true),
            (_, Some(t)) => (t.name.clone(), false),
            _ => (String::new(), true),
        };
        // Custom settings are configuration data: Setup offers no triggers, validation rules,
        // flows or required custom fields on them, so saving one has no automation that can
        // fail.
        if self.settings.contains(&obj.to_ascii_lowercase()) {
            self.site(
                line,
                SiteKind::Dml,
                Risk::Harmless,
                format!("{verb} the custom setting {obj}: custom settings run no triggers, validation rules or flows, so this save has no automation that can fail"),
                None,
            );
            return;
        }
        let what = if obj.is_empty() || obj.eq_ignore_ascii_case("sobject") {
            format!("{verb} `{tsrc}` (records of a type the analyser could not tell)")
        } else if many {
            format!("{verb} {obj} records")
        } else {
            format!("{verb} {} {obj}", article(&obj))
        };
        let extra = match v {
            Val::Unknown(w) if !w.is_empty() => format!(" ({w})"),
            _ => String::new(),
        };
        let note = format!(
            "{what}, whose own validation rules, required fields and triggers may fail and throw a DmlException{user}{extra}"
        );
        self.may_throw(line, SiteKind::Dml, note, Some("DmlException"));
    }
}
