//! Formulas as admins paste them (invisible Unicode spacing from web pages) and the markup
//! functions, judged against the record the platform inserts when a chat starts. Fixtures under
//! `fixtures/` come as a `bad` rule and its `fixed` form.

use super::*;
use crate::analysis::record::InsertedRecord;

fn record() -> InsertedRecord {
    InsertedRecord::messaging_session_at_start(&[])
}

const SPACES_BAD: &str = include_str!("fixtures/copied-spaces.bad.formula");
const SPACES_FIXED: &str = include_str!("fixtures/copied-spaces.fixed.formula");

#[test]
fn invisible_spacing_copied_from_web_pages_separates_tokens() {
    // The fixture holds U+200B, U+00A0 and U+FEFF between tokens.
    assert!(SPACES_BAD.contains('\u{200B}') && SPACES_BAD.contains('\u{FEFF}'));
    assert!(SPACES_BAD.contains('\u{00A0}'));
    let bad = judge_rule(SPACES_BAD.trim_end(), true, &record());
    let same = judge_rule(
        "AND(ISPICKVAL(Status, \"Waiting\"), ISBLANK(EndUserContactId))",
        true,
        &record(),
    );
    assert_eq!(bad.verdict, same.verdict, "{bad:#?}");
    assert_eq!(bad.verdict, Verdict::Fires, "{bad:#?}");
    let fixed = judge_rule(SPACES_FIXED.trim_end(), true, &record());
    assert_eq!(fixed.verdict, Verdict::DoesNotFire, "{fixed:#?}");
    // Inside quotes the characters are text, as written.
    let quoted = parse("\"a\u{200B}b\"").expect("parses");
    assert!(
        matches!(&quoted.kind, ExprKind::Text(t) if t == "a\u{200B}b"),
        "{quoted:?}"
    );
}

#[test]
fn markup_functions_evaluate_to_text() {
    let v = |f: &str| {
        evaluate(
            &parse(f).expect("parses"),
            &record(),
            &EvalOptions::default(),
        )
    };
    assert_eq!(
        v("HYPERLINK(\"/apex/Chat\", \"Open\", \"_self\")"),
        Eval::Known(Value::Text(
            "<a href=\"/apex/Chat\" target=\"_self\">Open</a>".into()
        ))
    );
    assert_eq!(
        v("LEN(IMAGE(\"/img/x.png\", \"x\", 16, 16)) > 0"),
        Eval::Known(Value::Bool(true))
    );
    // A rule that reads a link is judged, not left unknown.
    let r = judge_rule(
        "AND(ISPICKVAL(Status, \"Waiting\"), NOT(ISBLANK(HYPERLINK(\"/\" & Id, \"Open\"))))",
        true,
        &record(),
    );
    assert_eq!(r.verdict, Verdict::Fires, "{r:#?}");
    // The session id is text whose value cannot be known: named, not a parse error.
    match judge_rule(
        "AND(ISPICKVAL(Status, \"Waiting\"), GETSESSIONID() = \"x\")",
        true,
        &record(),
    )
    .verdict
    {
        Verdict::MayFire { hinges_on } => {
            // Named as the session id, not as a function the analyser does not evaluate.
            assert!(
                hinges_on
                    .join(" ")
                    .contains("GETSESSIONID() (the running session's id"),
                "{hinges_on:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}
