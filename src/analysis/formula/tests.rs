//! Table-driven tests of the formula engine. Each row notes where its real-world shape comes
//! from. The base record is the documented insert (`messaging_session_at_start`) with one
//! pre-chat-mapped field, `Prechat_Reason__c`.

use super::*;
use crate::analysis::record::{FieldValue, InsertedRecord, Known};

fn base() -> InsertedRecord {
    InsertedRecord::messaging_session_at_start(&["Prechat_Reason__c"])
}

type Tweak = fn(&mut InsertedRecord);

fn none(_: &mut InsertedRecord) {}

fn set(r: &mut InsertedRecord, k: &str, v: Known) {
    r.fields.insert(k.to_string(), FieldValue::Known(v));
}

/// Expected value of `evaluate`.
#[derive(Debug)]
enum W {
    Num(f64),
    Text(&'static str),
    Bool(bool),
    Null,
    /// Rendered value (dates, date/times).
    Shown(&'static str),
    /// Unknown, with a hinge containing this text.
    Unknown(&'static str),
}

struct ValueRow {
    note: &'static str,
    formula: &'static str,
    tweak: Tweak,
    want: W,
}

fn vr(note: &'static str, formula: &'static str, want: W) -> ValueRow {
    ValueRow {
        note,
        formula,
        tweak: none,
        want,
    }
}

fn vrt(note: &'static str, formula: &'static str, tweak: Tweak, want: W) -> ValueRow {
    ValueRow {
        note,
        formula,
        tweak,
        want,
    }
}

fn check_value(row: &ValueRow) {
    let mut rec = base();
    (row.tweak)(&mut rec);
    let expr = match parse(row.formula) {
        Ok(e) => e,
        Err(e) => panic!("[{}] {:?} did not parse: {e}", row.note, row.formula),
    };
    let got = evaluate(&expr, &rec, &EvalOptions::default());
    let ok = match (&row.want, &got) {
        (W::Num(n), Eval::Known(Value::Number(m))) => (n - m).abs() < 1e-9,
        (W::Text(t), Eval::Known(Value::Text(s))) => t == s,
        (W::Bool(b), Eval::Known(Value::Bool(c))) => b == c,
        (W::Null, Eval::Known(Value::Null)) => true,
        (W::Shown(s), Eval::Known(v)) => v.to_string() == *s,
        (W::Unknown(h), Eval::Unknown(hs)) => hs.iter().any(|x| x.contains(h)),
        _ => false,
    };
    assert!(
        ok,
        "[{}] {:?}: expected {:?}, got {:?}",
        row.note, row.formula, row.want, got
    );
}

#[test]
fn values_table() {
    let rows = vec![
        // Precedence and syntax
        vr("precedence: * before +", "1 + 2 * 3", W::Num(7.0)),
        vr("parentheses", "(1 + 2) * 3", W::Num(9.0)),
        vr("^ binds tighter than unary minus", "-2 ^ 2", W::Num(-4.0)),
        vr("^ is left-associative", "2 ^ 3 ^ 2", W::Num(64.0)),
        vr("- is left-associative", "10 - 4 - 3", W::Num(3.0)),
        vr(
            "&& before ||, comparisons before &&",
            "1 + 1 = 2 && 3 > 2 || FALSE",
            W::Bool(true),
        ),
        vr("|| loosest", "FALSE || TRUE && FALSE", W::Bool(false)),
        vr(
            "== and != spellings",
            "(1 == 1) && (1 != 2) && (1 <> 2)",
            W::Bool(true),
        ),
        vr("<= and >=", "2 <= 2 && 3 >= 4", W::Bool(false)),
        vr(
            "comments anywhere",
            "/* start */ 1 /* mid */ + /* x */ 2",
            W::Num(3.0),
        ),
        vr(
            "newlines and tabs as whitespace",
            "AND(\n\tTRUE,\r\n  1 = 1\n)",
            W::Bool(true),
        ),
        vr(
            "text escapes (quotes, backslash)",
            r#""a\"b" & 'c\'d' & "\\""#,
            W::Text("a\"bc'd\\"),
        ),
        vr("\\n \\t escapes", r#"LEN("a\nb\tc")"#, W::Num(5.0)),
        vr("\\uXXXX escape", r#""caf\u00e9""#, W::Text("café")),
        vr(
            "case-insensitive names, literals and fields",
            "if(true, 'y', 'n') & iSpIcKvAl(status, 'Waiting')",
            W::Text("ytrue"),
        ),
        vr("NULL literal is blank", "ISBLANK(null)", W::Bool(true)),
        vr("unary !", "!(1 = 2)", W::Bool(true)),
        vr("+ concatenates text", "'a' + 'b'", W::Text("ab")),
        vr(
            "NUL inside a text literal is just a character",
            "LEN('a\u{0}b')",
            W::Num(3.0),
        ),
        vr(
            "odd Unicode: astral and accented chars count as one",
            "LEN('😀é') + LEN('\u{200b}')",
            W::Num(3.0),
        ),
        vr(
            "NBSP / line separator count as whitespace",
            "1\u{a0}+\u{2028}1",
            W::Num(2.0),
        ),
        // Logical functions
        vr(
            "CASE on the picklist",
            "CASE(Status, 'Active', 1, 'Waiting', 2, 0)",
            W::Num(2.0),
        ),
        vr(
            "CASE default",
            "CASE(Origin, 'X', 'x', 'none')",
            W::Text("none"),
        ),
        vr(
            "CASE with unknown subject but one outcome",
            "CASE($User.Username, 'a', 1, 1)",
            W::Num(1.0),
        ),
        vr(
            "CASE with unknown subject",
            "CASE($User.Username, 'a', 1, 2)",
            W::Unknown("$User.Username"),
        ),
        vr(
            "three-valued AND short-circuit",
            "AND(FALSE, $Permission.X)",
            W::Bool(false),
        ),
        vr(
            "three-valued OR short-circuit",
            "OR(TRUE, $Permission.X)",
            W::Bool(true),
        ),
        vr(
            "AND with an unknown part stays unknown",
            "AND(TRUE, $Permission.X)",
            W::Unknown("$Permission.X"),
        ),
        vr(
            "IF with unknown condition, equal branches",
            "IF($Permission.X, 'same', 'same')",
            W::Text("same"),
        ),
        vr(
            "IF with unknown condition, different branches",
            "IF($Permission.X, 1, 2)",
            W::Unknown("$Permission.X"),
        ),
        vr(
            "NOT(unknown) is unknown",
            "NOT($Permission.X)",
            W::Unknown("$Permission.X"),
        ),
        vr("ISNULL on a literal", "ISNULL(5)", W::Bool(false)),
        vr(
            "ISNULL on a blank field: type matters",
            "ISNULL(Custom__c)",
            W::Unknown("type is not known"),
        ),
        vr(
            "BLANKVALUE default for a blank field",
            "BLANKVALUE(Custom__c, 'x')",
            W::Text("x"),
        ),
        vr(
            "NULLVALUE on a blank number",
            "NULLVALUE(Num__c, 5) + 1",
            W::Num(6.0),
        ),
        vrt(
            "INCLUDES on a multi-select picklist",
            "INCLUDES(Topics__c, 'Billing')",
            |r| set(r, "Topics__c", Known::Text("Sales;Billing".into())),
            W::Bool(true),
        ),
        vr(
            "ISPICKVAL(PRIORVALUE(…)) on insert",
            "ISPICKVAL(PRIORVALUE(Status), 'Waiting')",
            W::Bool(true),
        ),
        vr("ISNEW on insert", "ISNEW()", W::Bool(true)),
        vrt(
            "ISNEW on update",
            "ISNEW()",
            |r| r.is_new = false,
            W::Bool(false),
        ),
        vr(
            "ISCHANGED is FALSE on a new record (Salesforce Help)",
            "ISCHANGED(Status)",
            W::Bool(false),
        ),
        vrt(
            "ISCHANGED on update is unknown",
            "ISCHANGED(Status)",
            |r| r.is_new = false,
            W::Unknown("prior value"),
        ),
        vr(
            "PRIORVALUE returns the current value on create (Salesforce Help)",
            "PRIORVALUE(Origin)",
            W::Text("InboundInitiated"),
        ),
        vr(
            "ISCLONE on the platform insert",
            "ISCLONE()",
            W::Bool(false),
        ),
        // Text functions
        vr("TEXT of a decimal", "TEXT(12.50)", W::Text("12.5")),
        vr(
            "TEXT of a date",
            "TEXT(DATE(2024, 2, 29))",
            W::Text("2024-02-29"),
        ),
        vr("VALUE of numeric text", "VALUE(' 42 ') + 1", W::Num(43.0)),
        vr(
            "VALUE of non-numeric text is a runtime error",
            "VALUE('abc')",
            W::Unknown("#Error!"),
        ),
        vr("LEN counts characters", "LEN('héllo')", W::Num(5.0)),
        vr(
            "CONTAINS is case-sensitive",
            "CONTAINS('Hello', 'ell') && NOT(CONTAINS('Hello', 'ELL'))",
            W::Bool(true),
        ),
        vr(
            "BEGINS is case-sensitive",
            "BEGINS('Hello', 'he')",
            W::Bool(false),
        ),
        vr(
            "REGEX on phone (full match)",
            r"REGEX('(555) 123-4567', '\\(\\d{3}\\) \\d{3}-\\d{4}')",
            W::Bool(true),
        ),
        vr(
            "REGEX must match the whole text",
            r"REGEX('x555-1234', '\\d{3}-\\d{4}')",
            W::Bool(false),
        ),
        vr(
            "REGEX email shape",
            r"REGEX('a.b@example.com', '[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}')",
            W::Bool(true),
        ),
        vr(
            "REGEX look-ahead is unsupported → unknown",
            r"REGEX('abc', '(?=a)abc')",
            W::Unknown("REGEX pattern"),
        ),
        vr(
            "LEFT, RIGHT, MID",
            "LEFT('abcdef', 2) & RIGHT('abcdef', 2) & MID('abcdef', 3, 2)",
            W::Text("abefcd"),
        ),
        vr(
            "LEFT beyond length / negative",
            "LEFT('ab', 10) & LEFT('ab', -1)",
            W::Text("ab"),
        ),
        vr(
            "TRIM, UPPER, LOWER",
            "TRIM('  x y  ') & UPPER('a') & LOWER('B')",
            W::Text("x yAb"),
        ),
        vr(
            "SUBSTITUTE",
            "SUBSTITUTE('a-b-c', '-', '+')",
            W::Text("a+b+c"),
        ),
        vr("FIND with start", "FIND('c', 'abcabc', 4)", W::Num(6.0)),
        vr("FIND not found", "FIND('z', 'abc')", W::Num(0.0)),
        vr(
            "ISNUMBER",
            "ISNUMBER('12.5') && NOT(ISNUMBER('1x'))",
            W::Bool(true),
        ),
        vr(
            "CASESAFEID of a 15-char id",
            "CASESAFEID('001000000000001')",
            W::Text("001000000000001AAA"),
        ),
        vr(
            "CASESAFEID with upper case",
            "CASESAFEID('001Aa0000000001')",
            W::Text("001Aa0000000001IAA"),
        ),
        vr("LPAD", "LPAD('7', 3, '0')", W::Text("007")),
        // Dates
        vr(
            "NOW is unknown without a clock",
            "NOW()",
            W::Unknown("NOW()"),
        ),
        vr(
            "TODAY is unknown without a clock",
            "TODAY() - 1",
            W::Unknown("TODAY()"),
        ),
        vr("DATE", "DATE(2024, 1, 31)", W::Shown("2024-01-31")),
        vr(
            "DATE invalid is a runtime error",
            "DATE(2023, 2, 29)",
            W::Unknown("#Error!"),
        ),
        vr(
            "DATEVALUE of text",
            "DATEVALUE('2024-03-05') + 1",
            W::Shown("2024-03-06"),
        ),
        vr(
            "DATETIMEVALUE of text (GMT)",
            "DATETIMEVALUE('2024-03-05 10:00:00')",
            W::Shown("2024-03-05 10:00:00Z"),
        ),
        vr(
            "YEAR MONTH DAY",
            "YEAR(DATE(2024,3,5))*10000 + MONTH(DATE(2024,3,5))*100 + DAY(DATE(2024,3,5))",
            W::Num(20240305.0),
        ),
        vr(
            "WEEKDAY: Sunday is 1 (2024-03-05 is a Tuesday)",
            "WEEKDAY(DATE(2024, 3, 5))",
            W::Num(3.0),
        ),
        vr(
            "ADDMONTHS clamps to month end",
            "ADDMONTHS(DATE(2024, 1, 31), 1)",
            W::Shown("2024-02-29"),
        ),
        vr(
            "date difference in days",
            "DATE(2024, 3, 1) - DATE(2024, 2, 1)",
            W::Num(29.0),
        ),
        // Math
        vr(
            "ABS CEILING FLOOR",
            "ABS(-3) + CEILING(1.2) + FLOOR(1.8)",
            W::Num(6.0),
        ),
        vr(
            "CEILING rounds away from zero for negatives (Salesforce)",
            "CEILING(-1.2)",
            W::Num(-2.0),
        ),
        vr(
            "ROUND half away from zero, decimal-correct",
            "ROUND(2.345, 2) + ROUND(-2.5, 0)",
            W::Num(-0.65),
        ),
        vr(
            "MOD MAX MIN",
            "MOD(7, 3) * 100 + MAX(1, 5, 3) * 10 + MIN(4, 1, 9)",
            W::Num(151.0),
        ),
        vr(
            "SQRT EXP LN LOG",
            "SQRT(16) + EXP(0) + LN(1) + LOG(100)",
            W::Num(7.0),
        ),
        vr("division by zero", "1 / 0", W::Unknown("division by zero")),
        vr(
            "type mismatch is reported, not guessed",
            "1 * 'a'",
            W::Unknown("type mismatch"),
        ),
        vr(
            "unmodelled function",
            "VLOOKUP($ObjectType.Zip__c.Fields.City__c, $ObjectType.Zip__c.Fields.Name, '94105')",
            W::Unknown("does not evaluate"),
        ),
        // Record references and blank semantics
        vr(
            "blank text equals \"\" (common 'Field__c = \"\"' rule)",
            "Custom__c = \"\"",
            W::Bool(true),
        ),
        vr(
            "blank text <> '' is FALSE",
            "Custom__c <> ''",
            W::Bool(false),
        ),
        vr(
            "unset checkbox reads unchecked (checkboxes are never blank)",
            "NOT(Is_Escalated__c) && Is_Escalated__c = FALSE && !Is_Escalated__c",
            W::Bool(true),
        ),
        vr(
            "unset checkbox as an IF condition",
            "IF(Is_Escalated__c, 1, 2)",
            W::Num(2.0),
        ),
        vr(
            "blank number in arithmetic stays blank",
            "Num__c + 1",
            W::Null,
        ),
        vr("blank number compared is blank", "Num__c > 5", W::Null),
        vr(
            "$User globals of the Automated Process user",
            "$User.UserType = 'AutomatedProcess'",
            W::Bool(true),
        ),
        vr(
            "$User field not in the model",
            "$User.Email",
            W::Unknown("$User.Email"),
        ),
        vr(
            "$Permission unknown by default",
            "$Permission.Bypass_VR",
            W::Unknown("$Permission.Bypass_VR"),
        ),
        vrt(
            "$Permission known when listed",
            "$Permission.bypass_vr",
            |r| {
                r.permissions.insert("Bypass_VR".into(), true);
            },
            W::Bool(true),
        ),
        vrt(
            "$Permission FALSE when the list is complete",
            "$Permission.Bypass_VR",
            |r| r.permissions_complete = true,
            W::Bool(false),
        ),
        vr(
            "cross-object through a platform-set lookup",
            "Owner.Name",
            W::Unknown("Owner.Name (a related record's field)"),
        ),
        vr(
            "cross-object through an empty custom lookup is blank",
            "ISBLANK(Contact__r.Email)",
            W::Bool(true),
        ),
        vrt(
            "cross-object through a pre-chat-mapped lookup",
            "Contact__r.Email",
            |r| {
                r.fields.insert(
                    "Contact__c".into(),
                    FieldValue::unknown("mapped from a pre-chat field"),
                );
            },
            W::Unknown("Contact__r.Email (a related record's field)"),
        ),
        vr(
            "pre-chat mapped field is unknown with the model's reason",
            "Prechat_Reason__c",
            W::Unknown("pre-chat"),
        ),
        vrt(
            "field absent and model not closed",
            "Other__c",
            |r| r.unset_fields_are_null = false,
            W::Unknown("not in the model"),
        ),
        vr(
            "$Setup custom setting",
            "$Setup.Bypass__c.Disable_VR__c",
            W::Unknown("custom setting"),
        ),
        vr("$Label", "$Label.Chat_Error", W::Unknown("custom label")),
        vr(
            "$Organization",
            "$Organization.Id",
            W::Unknown("org setting"),
        ),
    ];
    assert!(rows.len() >= 60, "{} value rows", rows.len());
    for row in &rows {
        check_value(row);
    }
}

#[test]
fn blank_as_zero_and_clock_options() {
    let rec = base();
    let e = parse("Num__c > -1").unwrap();
    assert_eq!(
        evaluate(&e, &rec, &EvalOptions::default()),
        Eval::Known(Value::Null)
    );
    let zero = EvalOptions {
        blank_as_zero: true,
        ..EvalOptions::default()
    };
    assert_eq!(evaluate(&e, &rec, &zero), Eval::Known(Value::Bool(true)));
    let e = parse("TEXT(TODAY()) & ' ' & TEXT(YEAR(DATEVALUE(NOW())))").unwrap();
    let at = EvalOptions {
        now_ms: Some(1_709_635_200_000), // 2024-03-05T10:40:00Z
        ..EvalOptions::default()
    };
    assert_eq!(
        evaluate(&e, &rec, &at),
        Eval::Known(Value::Text("2024-03-05 2024".into()))
    );
}

// ---- verdicts ----

#[derive(Debug)]
enum V {
    Fires,
    /// May fire; each listed text must appear in some hinge.
    May(&'static [&'static str]),
    Not,
    /// Parse error: message contains the text, span starts at the offset.
    Err(&'static str, usize),
}

struct VerdictRow {
    note: &'static str,
    formula: &'static str,
    tweak: Tweak,
    want: V,
    /// Expected decider text, when the row pins it.
    decider: Option<&'static str>,
}

fn row(
    note: &'static str,
    formula: &'static str,
    want: V,
    decider: Option<&'static str>,
) -> VerdictRow {
    VerdictRow {
        note,
        formula,
        tweak: none,
        want,
        decider,
    }
}

fn rowt(
    note: &'static str,
    formula: &'static str,
    tweak: Tweak,
    want: V,
    decider: Option<&'static str>,
) -> VerdictRow {
    VerdictRow {
        note,
        formula,
        tweak,
        want,
        decider,
    }
}

#[test]
fn verdicts_table() {
    let rows = vec![
        row(
            "common 'require reason on create' rule",
            "AND(ISNEW(), ISBLANK(Reason__c))",
            V::Fires,
            Some("AND(ISNEW(), ISBLANK(Reason__c))"),
        ),
        row(
            "update-only rule (already bypassed on insert)",
            "AND(NOT(ISNEW()), ISBLANK(Reason__c))",
            V::Not,
            Some("NOT(ISNEW())"),
        ),
        row(
            "admin bypass by username",
            "AND($User.Username <> 'admin@acme.com', ISBLANK(Reason__c))",
            V::May(&["$User.Username"]),
            Some("$User.Username <> 'admin@acme.com'"),
        ),
        row(
            "rule guarded by $Profile.Name",
            "AND($Profile.Name <> 'System Administrator', ISBLANK(Account__c))",
            V::May(&["$Profile.Name"]),
            None,
        ),
        rowt(
            "rule guarded by $Profile.Name, profile known",
            "AND($Profile.Name <> 'System Administrator', ISBLANK(Account__c))",
            |r| {
                r.profile.insert(
                    "Name".into(),
                    FieldValue::text("Minimum Access - Salesforce"),
                );
            },
            V::Fires,
            None,
        ),
        row(
            "custom-permission bypass, permission unknown",
            "AND(NOT($Permission.Bypass_VR), ISBLANK(Reason__c))",
            V::May(&["$Permission.Bypass_VR"]),
            Some("NOT($Permission.Bypass_VR)"),
        ),
        rowt(
            "custom-permission bypass held",
            "AND(NOT($Permission.Bypass_VR), ISBLANK(Reason__c))",
            |r| {
                r.permissions.insert("Bypass_VR".into(), true);
            },
            V::Not,
            Some("NOT($Permission.Bypass_VR)"),
        ),
        rowt(
            "custom-permission bypass not held (complete list)",
            "NOT($Permission.Bypass_VR) && ISBLANK(Reason__c)",
            |r| r.permissions_complete = true,
            V::Fires,
            None,
        ),
        row(
            "field mapped from pre-chat",
            "ISBLANK(Prechat_Reason__c)",
            V::May(&["pre-chat"]),
            Some("ISBLANK(Prechat_Reason__c)"),
        ),
        rowt(
            "required contact email via lookup mapped by pre-chat",
            "ISBLANK(Contact__r.Email)",
            |r| {
                r.fields.insert(
                    "Contact__c".into(),
                    FieldValue::unknown("mapped from a pre-chat field"),
                );
            },
            V::May(&["Contact__r.Email (a related record's field)"]),
            None,
        ),
        row(
            "end user's name required",
            "ISBLANK(MessagingEndUser.Name)",
            V::May(&["MessagingEndUser.Name"]),
            None,
        ),
        row(
            "status-based rule with && chain",
            "ISPICKVAL(Status, 'Waiting') && ISBLANK(Owner_Notes__c) && ISNEW()",
            V::Fires,
            None,
        ),
        row(
            "ISCHANGED guard never true on insert",
            "AND(ISCHANGED(Status), ISPICKVAL(Status, 'Ended'))",
            V::Not,
            Some("ISCHANGED(Status)"),
        ),
        row(
            "PRIORVALUE comparison on insert",
            "PRIORVALUE(Status) <> Status",
            V::Not,
            Some("PRIORVALUE(Status) <> Status"),
        ),
        row(
            "origin-specific rule",
            "ISPICKVAL(Origin, 'InboundInitiated') && ISBLANK(Case__c)",
            V::Fires,
            None,
        ),
        row(
            "REGEX on phone, blank allowed",
            r"AND(NOT(ISBLANK(Phone__c)), NOT(REGEX(Phone__c, '\\(\\d{3}\\) \\d{3}-\\d{4}')))",
            V::Not,
            Some("NOT(ISBLANK(Phone__c))"),
        ),
        rowt(
            "REGEX on phone, well-formed",
            r"AND(NOT(ISBLANK(Phone__c)), NOT(REGEX(Phone__c, '\\(\\d{3}\\) \\d{3}-\\d{4}')))",
            |r| set(r, "Phone__c", Known::Text("(555) 123-4567".into())),
            V::Not,
            Some(r"NOT(REGEX(Phone__c, '\\(\\d{3}\\) \\d{3}-\\d{4}'))"),
        ),
        rowt(
            "REGEX on phone, malformed",
            r"AND(NOT(ISBLANK(Phone__c)), NOT(REGEX(Phone__c, '\\(\\d{3}\\) \\d{3}-\\d{4}')))",
            |r| set(r, "Phone__c", Known::Text("555".into())),
            V::Fires,
            None,
        ),
        row(
            "IF-shaped create rule",
            "IF(ISNEW(), ISBLANK(Reason__c), FALSE)",
            V::Fires,
            None,
        ),
        row(
            "owner's profile via cross-object path",
            "Owner.Profile.Name <> 'Agent'",
            V::May(&["Owner.Profile.Name"]),
            None,
        ),
        row(
            "'close date in the past' on a blank date",
            "Follow_Up__c < TODAY()",
            V::May(&["TODAY()"]),
            None,
        ),
        row(
            "text field must not be empty",
            "Subject__c = \"\"",
            V::Fires,
            None,
        ),
        row(
            "rule that exempts the automated user",
            "AND($User.UserType <> 'AutomatedProcess', ISBLANK(Reason__c))",
            V::Not,
            Some("$User.UserType <> 'AutomatedProcess'"),
        ),
        row(
            "bypass by custom setting",
            "AND(NOT($Setup.Bypass__c.Disable_VR__c), ISBLANK(Reason__c))",
            V::May(&["$Setup.Bypass__c.Disable_VR__c"]),
            None,
        ),
        row(
            "record-type guard",
            "$RecordType.DeveloperName = 'Support' && ISBLANK(Reason__c)",
            V::May(&["$RecordType.DeveloperName"]),
            None,
        ),
        row(
            "two unknowns",
            "OR($Permission.A, $Permission.B)",
            V::May(&["$Permission.A", "$Permission.B"]),
            None,
        ),
        row(
            "unknown short-circuited by a FALSE part",
            "AND(ISPICKVAL(Status, 'Active'), $Permission.X)",
            V::Not,
            Some("ISPICKVAL(Status, 'Active')"),
        ),
        row(
            "OR decided by its first TRUE part",
            "OR($Permission.X, ISBLANK(Reason__c))",
            V::Fires,
            Some("ISBLANK(Reason__c)"),
        ),
        row(
            "CASE-based rule",
            "CASE(Status, 'Waiting', 1, 0) = 1 && ISBLANK(Reason__c)",
            V::Fires,
            None,
        ),
        row(
            "commented multi-line rule",
            "/* Block empty reasons */\nAND(\n  ISNEW(),\n  ISBLANK(Reason__c)\n)",
            V::Fires,
            None,
        ),
        row(
            "formula not returning TRUE/FALSE",
            "1 + 1",
            V::May(&["instead of TRUE/FALSE"]),
            None,
        ),
        row(
            "blank comparison does not fire",
            "Amount__c > 100",
            V::Not,
            None,
        ),
        row(
            "nested AND in OR decides through",
            "OR(AND(ISNEW(), ISPICKVAL(Status, 'Ended')), ISPICKVAL(Origin, 'X'))",
            V::Not,
            None,
        ),
        row(
            "unknown hidden inside NOT(OR())",
            "NOT(OR(ISNEW(), $Permission.X))",
            V::Not,
            Some("NOT(OR(ISNEW(), $Permission.X))"),
        ),
        // Parse errors (span start pinned)
        row(
            "missing close paren",
            "IF(ISNEW(), TRUE",
            V::Err("Syntax error. Missing ')'", 16),
            None,
        ),
        row(
            "unknown function",
            "AND(FOO(1), TRUE)",
            V::Err("Unknown function FOO. Check spelling.", 4),
            None,
        ),
        row(
            "wrong arity",
            "IF(TRUE, 1)",
            V::Err(
                "Incorrect number of parameters for function 'IF()'. Expected 3, received 2",
                0,
            ),
            None,
        ),
        row(
            "dangling operator",
            "1 + ",
            V::Err("Missing expression", 4),
            None,
        ),
        row(
            "unterminated text",
            "Status = 'abc",
            V::Err("Syntax error. Missing '", 9),
            None,
        ),
        row(
            "operator where a value belongs",
            "1 +* 2",
            V::Err("Found '*'", 3),
            None,
        ),
        row(
            "two values side by side",
            "Status Origin",
            V::Err("Extra 'Origin'", 7),
            None,
        ),
        row(
            "unterminated comment",
            "TRUE /* note",
            V::Err("Missing '*/'", 5),
            None,
        ),
        row(
            "unknown global",
            "$Foo.Bar",
            V::Err("Field $Foo.Bar does not exist", 0),
            None,
        ),
        row(
            "CASE arity",
            "CASE(Status, 'a', 1)",
            V::Err("function 'CASE()'", 0),
            None,
        ),
        row(
            "unset checkbox part decides a FALSE AND",
            "AND(Is_Escalated__c, ISNEW())",
            V::Not,
            Some("Is_Escalated__c"),
        ),
        row(
            "text literal where an operator belongs",
            "Status 'Waiting'",
            V::Err("Extra '\"Waiting\"'", 7),
            None,
        ),
        row("stray character", "1 # 2", V::Err("Found '#'", 2), None),
        row(
            "dangling dot",
            "Owner.",
            V::Err("Missing field name", 0),
            None,
        ),
        row(
            "empty formula",
            "  /* only a comment */ ",
            V::Err("empty", 0),
            None,
        ),
        row(
            "NUL outside text",
            "1 +\u{0}2",
            V::Err("Found '\\u{0}'", 3),
            None,
        ),
        row(
            "bad unicode escape",
            r#""\u12""#,
            V::Err("unicode escape", 1),
            None,
        ),
        row(
            "AND needs a parameter",
            "AND()",
            V::Err("Expected at least 1, received 0", 0),
            None,
        ),
        row(
            "non-ASCII in a field name",
            "Stätus = 'x'",
            V::Err("Found 'ä'", 2),
            None,
        ),
        row(
            "extra close paren",
            "ISNEW())",
            V::Err("Extra ')'", 7),
            None,
        ),
    ];
    assert!(rows.len() >= 40, "{} verdict rows", rows.len());
    for r in &rows {
        let mut rec = base();
        (r.tweak)(&mut rec);
        let v = judge_rule(r.formula, true, &rec);
        let ok = match (&r.want, &v.verdict) {
            (V::Fires, Verdict::Fires) | (V::Not, Verdict::DoesNotFire) => true,
            (V::May(hs), Verdict::MayFire { hinges_on }) => {
                hs.iter().all(|h| hinges_on.iter().any(|x| x.contains(h)))
            }
            (V::Err(msg, at), Verdict::Unparsable) => v
                .error
                .as_ref()
                .is_some_and(|e| e.message.contains(msg) && e.span.start == *at),
            _ => false,
        };
        assert!(
            ok,
            "[{}] {:?}: expected {:?}, got {:#?}",
            r.note, r.formula, r.want, v
        );
        if let Some(d) = r.decider {
            let got = v.decider.as_ref().map(|c| c.text.as_str());
            assert_eq!(got, Some(d), "[{}] decider of {:?}", r.note, r.formula);
            let c = v.decider.as_ref().unwrap();
            assert_eq!(&r.formula[c.span.start..c.span.end], d);
        }
    }
}

#[test]
fn explain_lists_top_level_clauses() {
    let f = "AND(ISNEW(), ISBLANK(Reason__c), $Permission.X || TRUE)";
    let v = judge_rule(f, true, &base());
    assert_eq!(v.verdict, Verdict::Fires);
    let texts: Vec<_> = v.clauses.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["ISNEW()", "ISBLANK(Reason__c)", "$Permission.X || TRUE"]
    );
    assert!(v.clauses.iter().all(|c| c.state == ValueState::True));
    let d = v.decider.unwrap();
    assert_eq!(d.text, f);
    assert_eq!(d.value, "TRUE");

    // && chains flatten; a parenthesised group stays one clause.
    let v = judge_rule(
        "ISNEW() && (FALSE || ISBLANK(X__c)) && $Permission.P",
        true,
        &base(),
    );
    let texts: Vec<_> = v.clauses.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["ISNEW()", "(FALSE || ISBLANK(X__c))", "$Permission.P"]
    );
    assert_eq!(v.clauses[2].state, ValueState::Unknown);
    assert_eq!(v.clauses[2].hinges_on, ["$Permission.P"]);
    assert!(v.summary.contains("$Permission.P"), "{}", v.summary);
}

#[test]
fn suggestions_for_an_active_blocking_rule() {
    let f = "ISPICKVAL(Status, 'Waiting') && ISBLANK(Reason__c)";
    let v = judge_rule(f, true, &base());
    let kinds: Vec<_> = v.suggestions.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SuggestionKind::OriginGuard,
            SuggestionKind::BypassPermission,
            SuggestionKind::UpdateOnly
        ]
    );
    assert_eq!(
        v.suggestions[0].formula,
        "AND(NOT(ISPICKVAL(Origin, 'InboundInitiated')), ISPICKVAL(Status, 'Waiting') && ISBLANK(Reason__c))"
    );
    assert_eq!(
        v.suggestions[1].formula,
        "AND(NOT($Permission.Bypass_MessagingSession_Validation), ISPICKVAL(Status, 'Waiting') && ISBLANK(Reason__c))"
    );
    assert!(v.suggestions[1]
        .note
        .as_deref()
        .unwrap()
        .contains("Automated Process user"));
    assert_eq!(
        v.suggestions[2].formula,
        "AND(NOT(ISNEW()), ISPICKVAL(Status, 'Waiting') && ISBLANK(Reason__c))"
    );
    assert!(v.suggestions.iter().all(|s| s.verified_not_firing));
    // Every rewrite parses.
    assert!(v.suggestions.iter().all(|s| parse(&s.formula).is_ok()));

    // Without Origin/Status: no origin guard.
    let v = judge_rule("ISBLANK(Reason__c)", true, &base());
    let kinds: Vec<_> = v.suggestions.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [SuggestionKind::BypassPermission, SuggestionKind::UpdateOnly]
    );

    // Existing bypass permission: assign it, formula unchanged.
    let v = judge_rule(
        "AND(NOT($Permission.Skip_VR), ISBLANK(Reason__c))",
        true,
        &base(),
    );
    assert_eq!(
        v.suggestions[0].kind,
        SuggestionKind::AssignExistingPermission
    );
    assert!(v.suggestions[0].rationale.contains("$Permission.Skip_VR"));

    // A top-level AND gets the guard as its first parameter, not a nested AND.
    let v = judge_rule(
        "AND( ISNEW() , /* why */ ISBLANK(Reason__c) )",
        true,
        &base(),
    );
    assert_eq!(
        v.suggestions[1].formula,
        "AND(NOT(ISNEW()), ISNEW() , /* why */ ISBLANK(Reason__c))"
    );
    assert!(v.suggestions.iter().all(|s| s.verified_not_firing));

    // Multi-line formula: rewrite keeps it intact on its own lines.
    let v = judge_rule("/* x */\nISBLANK(Reason__c)", true, &base());
    assert_eq!(
        v.suggestions[1].formula,
        "AND(\nNOT(ISNEW()),\n/* x */\nISBLANK(Reason__c)\n)"
    );
}

#[test]
fn no_suggestions_for_inactive_or_harmless_rules() {
    let v = judge_rule("AND(ISNEW(), ISBLANK(Reason__c))", false, &base());
    assert_eq!(v.verdict, Verdict::Fires);
    assert!(v.suggestions.is_empty());
    assert!(v.summary.contains("inactive"));
    let v = judge_rule("AND(NOT(ISNEW()), ISBLANK(Reason__c))", true, &base());
    assert!(v.suggestions.is_empty());
    let v = judge_rule("AND(", true, &base());
    assert!(v.suggestions.is_empty());
}

#[test]
fn verdict_serialises_camel_case() {
    let v = judge_rule(
        "AND(NOT($Permission.Bypass_VR), ISBLANK(Reason__c))",
        true,
        &base(),
    );
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(j["verdict"]["kind"], "mayFire");
    assert_eq!(j["verdict"]["hingesOn"][0], "$Permission.Bypass_VR");
    assert_eq!(j["decider"]["text"], "NOT($Permission.Bypass_VR)");
    assert_eq!(j["decider"]["span"]["start"], 4);
    assert_eq!(j["clauses"][1]["state"], "true");
    assert_eq!(j["suggestions"][0]["kind"], "assignExistingPermission");
    assert!(j["suggestions"][0]["verifiedNotFiring"].is_boolean());
    let e = serde_json::to_value(judge_rule("IF(", true, &base())).unwrap();
    assert_eq!(e["verdict"]["kind"], "unparsable");
    assert_eq!(e["error"]["message"], "Syntax error. Missing expression");
}

// ---- hostile inputs ----

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = parse(&deep).unwrap_err();
    assert!(e.message.contains("too complex"), "{}", e.message);
    assert!(e.span.end <= deep.len());

    let calls = format!("{}TRUE{}", "NOT(".repeat(10_000), ")".repeat(10_000));
    assert!(parse(&calls).is_err());
    let chain = format!("1{}", " + 1".repeat(10_000));
    assert!(parse(&chain).unwrap_err().message.contains("too complex"));
    let unary = format!("{}1", "-".repeat(10_000));
    assert!(parse(&unary).is_err());
    // Unclosed deep nesting also fails cleanly.
    assert!(parse(&"(".repeat(50_000)).is_err());
    // 200 levels is fine.
    let ok = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    assert!(parse(&ok).is_ok());
    assert_eq!(
        judge_rule(&deep, true, &base()).verdict,
        Verdict::Unparsable
    );
    // Near the limit, parsing, evaluation, decider search and explanation all work.
    let nots = format!("{}ISNEW(){}", "NOT(".repeat(250), ")".repeat(250));
    assert_eq!(judge_rule(&nots, true, &base()).verdict, Verdict::Fires);
    let ands = format!("{}FALSE{}", "AND(TRUE, ".repeat(250), ")".repeat(250));
    let v = judge_rule(&ands, true, &base());
    assert_eq!(v.verdict, Verdict::DoesNotFire);
    assert_eq!(v.decider.unwrap().text, "FALSE");
    let chain = format!("ISNEW(){}", " && ISNEW()".repeat(250));
    assert_eq!(judge_rule(&chain, true, &base()).verdict, Verdict::Fires);
}

#[test]
fn huge_formulas_are_rejected_or_handled() {
    let huge = format!("'{}'", "x".repeat(1 << 20));
    let e = parse(&huge).unwrap_err();
    assert!(e.message.contains("too long"));
    // A long but valid formula: OR of 2,000 clauses (~40 KB).
    let many: Vec<String> = (0..2000).map(|i| format!("ISBLANK(F{i}__c)")).collect();
    let f = format!("OR({})", many.join(","));
    assert!(f.len() < MAX_LEN);
    assert_eq!(judge_rule(&f, true, &base()).verdict, Verdict::Fires);
    // Text blow-up through nested SUBSTITUTE stays bounded.
    let mut s = "'aaaaaaaaaa'".to_string();
    for _ in 0..12 {
        s = format!("SUBSTITUTE({s}, 'a', 'aaaaaaaaaa')");
    }
    let v = evaluate(&parse(&s).unwrap(), &base(), &EvalOptions::default());
    assert!(v.is_unknown());
    let pad = evaluate(
        &parse("LPAD('x', 1000000000)").unwrap(),
        &base(),
        &EvalOptions::default(),
    );
    assert!(pad.is_unknown());
}

#[test]
fn fuzzed_inputs_never_panic() {
    let alphabet: Vec<char> =
        "()(),,'\"\\/*+-^&|!=<>$. \n\tabcAND OR IF NOT ISBLANK 0123456789_é😀\u{0}\u{200b}#%"
            .chars()
            .collect();
    let pieces = [
        "AND(",
        "OR(",
        "IF(",
        "CASE(",
        "REGEX(",
        "'[a-",
        "(?:",
        "\\d{3,",
        "$Permission.",
        "$User.",
        "Owner.",
        "ISNEW()",
        "TEXT(",
        "DATE(2024,",
        "/*",
        "*/",
        "\"\\u",
        "MID('é😀',",
        "1e",
        ".5",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let rec = base();
    for _ in 0..3000 {
        let len = (next() % 40) as usize;
        let mut s = String::new();
        for _ in 0..len {
            let r = next();
            if r % 3 == 0 {
                s.push_str(pieces[(r / 3 % pieces.len() as u64) as usize]);
            } else {
                s.push(alphabet[(r % alphabet.len() as u64) as usize]);
            }
        }
        let v = judge_rule(&s, true, &rec);
        if let Some(e) = &v.error {
            assert!(e.span.start <= e.span.end && e.span.end <= s.len());
            assert!(s.is_char_boundary(e.span.start) && s.is_char_boundary(e.span.end));
        }
        for c in v.clauses.iter().chain(v.decider.iter()) {
            assert!(s.is_char_boundary(c.span.start) && s.is_char_boundary(c.span.end));
        }
    }
    // Regex fuzz through REGEX().
    for _ in 0..2000 {
        let len = (next() % 16) as usize;
        let pat: String = (0..len)
            .map(|_| {
                let set = "ab()[]^-*+?{},|\\dws.$1";
                let cs: Vec<char> = set.chars().collect();
                cs[(next() % cs.len() as u64) as usize]
            })
            .collect();
        let f = format!(
            "REGEX('aab-1', '{}')",
            pat.replace('\\', "\\\\").replace('\'', "\\'")
        );
        if let Ok(e) = parse(&f) {
            let _ = evaluate(&e, &rec, &EvalOptions::default());
        }
    }
}

#[test]
fn extreme_clock_values_do_not_overflow() {
    let rec = base();
    for now in [i64::MAX, i64::MIN, 0] {
        let opts = EvalOptions {
            now_ms: Some(now),
            blank_as_zero: true,
        };
        for f in [
            "NOW() + 1",
            "NOW() - 100000",
            "NOW() - DATETIMEVALUE('1700-01-01')",
            "TODAY() - DATE(1700, 1, 1)",
            "ADDMONTHS(NOW(), 99999)",
            "ADDMONTHS(TODAY(), -99999)",
            "DATETIMEVALUE(TODAY()) < NOW()",
            "TEXT(NOW()) & TEXT(TODAY())",
            "WEEKDAY(TODAY()) + DAYOFYEAR(NOW()) + YEAR(TODAY())",
        ] {
            let e = parse(f).unwrap();
            let _ = evaluate(&e, &rec, &opts);
        }
    }
}

// ---- benchmark ----

const BENCH_RULES: [&str; 20] = [
    "AND(ISNEW(), ISBLANK(Reason__c))",
    "AND(NOT(ISNEW()), ISBLANK(Reason__c))",
    "AND($User.Username <> 'admin@acme.com', ISBLANK(Reason__c))",
    "AND($Profile.Name <> 'System Administrator', ISBLANK(Account__c))",
    "AND(NOT($Permission.Bypass_VR), ISBLANK(Reason__c))",
    "ISPICKVAL(Status, 'Waiting') && ISBLANK(Owner_Notes__c) && ISNEW()",
    r"AND(NOT(ISBLANK(Phone__c)), NOT(REGEX(Phone__c, '\\(\\d{3}\\) \\d{3}-\\d{4}')))",
    "IF(ISNEW(), ISBLANK(Reason__c), FALSE)",
    "Owner.Profile.Name <> 'Agent'",
    "AND(ISCHANGED(Status), ISPICKVAL(Status, 'Ended'), ISBLANK(Resolution__c))",
    "CASE(Status, 'Waiting', 1, 'Active', 2, 0) = 1 && ISBLANK(Reason__c)",
    "/* Block empty reasons */\nAND(\n  ISNEW(),\n  ISBLANK(Reason__c),\n  $User.UserType <> 'Guest'\n)",
    "OR(LEN(Subject__c) > 255, CONTAINS(LOWER(Subject__c), 'test'))",
    "AND(NOT($Setup.Bypass__c.Disable_VR__c), ISBLANK(Reason__c))",
    "AND(ISPICKVAL(Origin, 'InboundInitiated'), ISBLANK(Case__c), NOT(ISBLANK(Prechat_Reason__c)))",
    r"NOT(REGEX(Email__c, '[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}')) && NOT(ISBLANK(Email__c))",
    "Follow_Up__c < TODAY() && ISNEW()",
    "AND(PRIORVALUE(Status) <> Status, ISPICKVAL(PRIORVALUE(Status), 'Ended'))",
    "IF($RecordType.DeveloperName = 'Support', ISBLANK(Product__c), FALSE)",
    "AND(TEXT(AgentType) = 'Bot', BEGINS(UPPER(Custom_Code__c), 'X'), VALUE(Score__c) > 5)",
];

#[test]
fn bench_rules_all_judge() {
    let rec = base();
    for f in BENCH_RULES {
        let v = judge_rule(f, true, &rec);
        assert_ne!(v.verdict, Verdict::Unparsable, "{f}: {:?}", v.error);
    }
}

#[test]
#[ignore]
fn bench_formulas_per_second() {
    let rec = base();
    let opts = EvalOptions::default();
    let start = std::time::Instant::now();
    let mut n = 0u64;
    let mut fired = 0u64;
    while start.elapsed().as_secs_f64() < 2.0 {
        for f in BENCH_RULES {
            let e = parse(f).expect("bench rule parses");
            if evaluate(&e, &rec, &opts).is_true() {
                fired += 1;
            }
            n += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let mut judged = 0u64;
    while start.elapsed().as_secs_f64() < 2.0 {
        for f in BENCH_RULES {
            std::hint::black_box(judge_rule(f, true, &rec));
            judged += 1;
        }
    }
    let jsecs = start.elapsed().as_secs_f64();
    println!(
        "formula bench: {:.0} formulas parsed+evaluated per second ({n} in {secs:.2}s, {fired} fired); \
         {:.0} full judge_rule verdicts (decider, clauses, suggestions) per second",
        n as f64 / secs,
        judged as f64 / jsecs
    );
}
