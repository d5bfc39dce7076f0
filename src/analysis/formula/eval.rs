//! Three-valued evaluation of a parsed formula against the inserted record.
//!
//! Semantics (Salesforce behaviour, modelled):
//! - A field absent from the model is blank (`Null`) when `unset_fields_are_null`, else unknown.
//!   A field the model marks unknown is unknown, named with the model's reason.
//! - Cross-object paths (`Owner.Name`, `Contact__r.Email`) are unknown ("a related record's
//!   field") unless the lookup they go through is known to be blank, in which case they are blank.
//! - Blank text behaves as "" (`Field__c = ""` is TRUE when the field is blank). Blank numbers
//!   and dates propagate blank through arithmetic and comparisons (the rule's "treat blank
//!   fields as blanks"; a blank comparison makes AND blank, and a blank formula does not fire),
//!   or numbers read as 0 with `EvalOptions::blank_as_zero`. A blank field in a TRUE/FALSE
//!   position (AND/OR/NOT/IF condition, or compared with TRUE/FALSE) is an unset checkbox,
//!   which Salesforce reads as unchecked (FALSE).
//! - AND/OR are three-valued and short-circuit: AND(FALSE, unknown) = FALSE, OR(TRUE, unknown) =
//!   TRUE. IF with an unknown condition is known only when both branches give the same value.
//! - ISNEW() is the record's `is_new`; on a new record ISCHANGED() is FALSE and PRIORVALUE()
//!   returns the current value (Salesforce Help, "ISCHANGED" and "PRIORVALUE" tips). ISCLONE()
//!   is FALSE (the platform's insert is not a clone).
//! - NOW()/TODAY() are unknown unless `EvalOptions::now_ms` gives the insert time (the core
//!   reads no clock).
//! - A runtime error Salesforce would show as `#Error!` (division by zero, VALUE of non-numeric
//!   text) and a type mismatch are reported as unknown with the reason.

use std::cmp::Ordering;

use super::ast::{BinOp, Expr, ExprKind, GlobalKind, UnaryOp};
use super::functions;
use super::regex;
use super::value::{
    civil_from_days, days_from_civil, days_in_month, format_date, format_datetime, format_number,
    merge_hinges, parse_date, parse_datetime, valid_date, Eval, Value,
};
use crate::analysis::record::{FieldValue, InsertedRecord, Known};

/// How blanks and time are treated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalOptions {
    /// The rule's "Treat blank fields as zeroes" (number fields read 0 when blank).
    /// Default: blank as blank.
    pub blank_as_zero: bool,
    /// The insert time, milliseconds since 1970-01-01T00:00:00Z, for NOW()/TODAY().
    /// `None` (default): unknown. TODAY() is taken as the GMT date of this instant.
    pub now_ms: Option<i64>,
}

/// Longest text value the evaluator builds (bytes); longer → unknown.
const MAX_TEXT: usize = 1 << 20;
/// Recursion guard independent of the parser's height bound.
const MAX_EVAL_DEPTH: u32 = 600;

/// Evaluates `expr` against `record`.
pub fn evaluate(expr: &Expr, record: &InsertedRecord, opts: &EvalOptions) -> Eval {
    Ev {
        rec: record,
        opts,
        depth: 0,
    }
    .eval(expr)
}

pub(crate) struct Ev<'a> {
    pub rec: &'a InsertedRecord,
    pub opts: &'a EvalOptions,
    pub depth: u32,
}

fn known(v: Value) -> Eval {
    Eval::Known(v)
}

fn boolean(b: bool) -> Eval {
    Eval::Known(Value::Bool(b))
}

fn type_error(what: &str, v: &Value) -> Eval {
    Eval::unknown(format!(
        "a type mismatch: {what} cannot use {} (check the field's type)",
        type_name(v)
    ))
}

fn runtime_error(what: &str) -> Eval {
    Eval::unknown(format!("{what} (Salesforce shows #Error! at run time)"))
}

pub(crate) fn type_name(v: &Value) -> String {
    match v {
        Value::Null => "a blank value".into(),
        Value::Bool(_) => "a Checkbox (TRUE/FALSE)".into(),
        Value::Number(n) => format!("the Number {}", format_number(*n)),
        Value::Text(_) => format!("the Text {v}"),
        Value::Date(_) => "a Date".into(),
        Value::DateTime(_) => "a Date/Time".into(),
    }
}

/// Text view of a value for text functions (blank → "").
fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Value::Number(n) => format_number(*n),
        Value::Text(s) => s.clone(),
        Value::Date(d) => format_date(*d),
        Value::DateTime(ms) => format_datetime(*ms),
    }
}

fn text_result(s: String) -> Eval {
    if s.len() > MAX_TEXT {
        Eval::unknown("a text value longer than this analyser builds")
    } else {
        known(Value::Text(s))
    }
}

fn from_known(k: &Known) -> Value {
    match k {
        Known::Null => Value::Null,
        Known::Bool(b) => Value::Bool(*b),
        Known::Number(n) => Value::Number(*n),
        Known::Text(s) => Value::Text(s.clone()),
    }
}

/// `Contact__r` → `Contact__c`; `Owner` → `OwnerId`.
fn lookup_field_of(relationship: &str) -> String {
    let lower = relationship.to_ascii_lowercase();
    if lower.ends_with("__r") {
        let base = relationship
            .get(..relationship.len() - 3)
            .unwrap_or(relationship);
        format!("{base}__c")
    } else {
        format!("{relationship}Id")
    }
}

impl Ev<'_> {
    pub(crate) fn eval(&mut self, e: &Expr) -> Eval {
        if self.depth >= MAX_EVAL_DEPTH {
            return Eval::unknown("a formula nested too deeply to evaluate");
        }
        self.depth += 1;
        let r = self.eval_inner(e);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr) -> Eval {
        match &e.kind {
            ExprKind::Number(n) => known(Value::Number(*n)),
            ExprKind::Text(s) => known(Value::Text(s.clone())),
            ExprKind::Bool(b) => boolean(*b),
            ExprKind::Null => known(Value::Null),
            ExprKind::Field(path) => self.field(path),
            ExprKind::Global { kind, root, path } => self.global(*kind, root, path),
            ExprKind::Unary { op, operand } => {
                let v = match if *op == UnaryOp::Not {
                    self.cond(operand)
                } else {
                    self.eval(operand)
                } {
                    Eval::Known(v) => v,
                    u => return u,
                };
                match op {
                    UnaryOp::Not => self.not(v),
                    UnaryOp::Neg | UnaryOp::Plus => match self.num(&v, "unary minus") {
                        Ok(Some(n)) => {
                            known(Value::Number(if *op == UnaryOp::Neg { -n } else { n }))
                        }
                        Ok(None) => known(Value::Null),
                        Err(e) => e,
                    },
                }
            }
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinOp::And => self.and(&[lhs.as_ref(), rhs.as_ref()]),
                BinOp::Or => self.or(&[lhs.as_ref(), rhs.as_ref()]),
                _ => {
                    let (a, b) = match self.both(lhs, rhs) {
                        Ok(p) => p,
                        Err(u) => return u,
                    };
                    self.binary(*op, a, b)
                }
            },
            ExprKind::Call { name, args, .. } => self.call(name, args, e),
        }
    }

    fn both(&mut self, a: &Expr, b: &Expr) -> Result<(Value, Value), Eval> {
        let va = self.eval(a);
        let vb = self.eval(b);
        match (va, vb) {
            (Eval::Known(x), Eval::Known(y)) => Ok((x, y)),
            (x, y) => {
                let mut h = Vec::new();
                merge_hinges(&mut h, x.hinges());
                merge_hinges(&mut h, y.hinges());
                Err(Eval::Unknown(h))
            }
        }
    }

    /// All arguments known, or the union of their unknowns.
    fn args(&mut self, args: &[Expr]) -> Result<Vec<Value>, Eval> {
        let mut out = Vec::with_capacity(args.len());
        let mut h = Vec::new();
        for a in args {
            match self.eval(a) {
                Eval::Known(v) => out.push(v),
                Eval::Unknown(more) => merge_hinges(&mut h, &more),
            }
        }
        if h.is_empty() && out.len() == args.len() {
            Ok(out)
        } else {
            Err(Eval::Unknown(h))
        }
    }

    // ---- references ----

    fn field(&self, path: &[String]) -> Eval {
        let written = path.join(".");
        let Some(first) = path.first() else {
            return Eval::unknown("an empty field reference");
        };
        if path.len() == 1 {
            return match self.rec.field(first) {
                Some(FieldValue::Known(k)) => known(from_known(k)),
                Some(FieldValue::Unknown(why)) => Eval::unknown(format!("{written} ({why})")),
                None if self.rec.unset_fields_are_null => known(Value::Null),
                None => Eval::unknown(format!(
                    "{written} (not in the model of the inserted record)"
                )),
            };
        }
        // A related record's field: blank only when the lookup is known to be blank.
        let lookup = lookup_field_of(first);
        let is_custom = first.to_ascii_lowercase().ends_with("__r");
        match self.rec.field(&lookup) {
            Some(FieldValue::Known(Known::Null)) => known(Value::Null),
            None if is_custom && self.rec.unset_fields_are_null => known(Value::Null),
            _ => Eval::unknown(format!("{written} (a related record's field)")),
        }
    }

    fn global(&self, kind: GlobalKind, root: &str, path: &[String]) -> Eval {
        let written = format!("{root}.{}", path.join("."));
        let single = path.len() == 1;
        let name = path.first().map(String::as_str).unwrap_or("");
        let from = |v: Option<&FieldValue>, absent: &str| match v {
            Some(FieldValue::Known(k)) => known(from_known(k)),
            Some(FieldValue::Unknown(why)) => Eval::unknown(format!("{written} ({why})")),
            None => Eval::unknown(format!("{written} ({absent})")),
        };
        match kind {
            GlobalKind::User if single => from(
                self.rec.user_field(name),
                "not known for the user who inserts the record",
            ),
            GlobalKind::Profile if single => from(
                self.rec.profile_field(name),
                "the profile of the user who inserts the record",
            ),
            GlobalKind::User | GlobalKind::Profile => {
                Eval::unknown(format!("{written} (a related record's field)"))
            }
            GlobalKind::Permission => match self.rec.has_permission(name) {
                Some(b) if single => boolean(b),
                _ => Eval::unknown(written),
            },
            GlobalKind::RecordType => match self.rec.field("RecordTypeId") {
                Some(FieldValue::Known(Known::Null)) => known(Value::Null),
                _ => Eval::unknown(format!("{written} (the record type the insert gets)")),
            },
            GlobalKind::Setup => Eval::unknown(format!("{written} (a custom setting value)")),
            GlobalKind::CustomMetadata => {
                Eval::unknown(format!("{written} (a custom metadata value)"))
            }
            GlobalKind::Label => Eval::unknown(format!("{written} (a custom label's text)")),
            GlobalKind::Organization => Eval::unknown(format!("{written} (an org setting)")),
            GlobalKind::UserRole => Eval::unknown(format!(
                "{written} (the role of the user who inserts the record)"
            )),
            _ => Eval::unknown(format!(
                "{written} (a global value this analyser does not model)"
            )),
        }
    }

    // ---- coercions ----

    fn num(&self, v: &Value, what: &str) -> Result<Option<f64>, Eval> {
        match v {
            Value::Number(n) => Ok(Some(*n)),
            Value::Null if self.opts.blank_as_zero => Ok(Some(0.0)),
            Value::Null => Ok(None),
            other => Err(type_error(what, other)),
        }
    }

    fn truth(&self, v: &Value, what: &str) -> Result<Option<bool>, Eval> {
        match v {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Null => Ok(None),
            other => Err(type_error(what, other)),
        }
    }

    fn date_of(&self, v: &Value, what: &str) -> Result<Option<i64>, Eval> {
        match v {
            Value::Date(d) => Ok(Some(*d)),
            Value::DateTime(ms) => Ok(Some(ms.div_euclid(86_400_000))),
            Value::Null => Ok(None),
            Value::Text(s) => match parse_date(s)
                .or_else(|| parse_datetime(s).map(|ms| ms.div_euclid(86_400_000)))
            {
                Some(d) => Ok(Some(d)),
                None => Err(type_error(what, v)),
            },
            other => Err(type_error(what, other)),
        }
    }

    // ---- operators ----

    /// A value in a TRUE/FALSE position (AND/OR/NOT/IF condition): a field that is blank
    /// there is an unset checkbox, which Salesforce reads as unchecked (FALSE).
    pub(crate) fn cond(&mut self, e: &Expr) -> Eval {
        let v = self.eval(e);
        match (&e.kind, &v) {
            (ExprKind::Field(_), Eval::Known(Value::Null)) => boolean(false),
            _ => v,
        }
    }

    fn not(&self, v: Value) -> Eval {
        match self.truth(&v, "NOT") {
            Ok(Some(b)) => boolean(!b),
            Ok(None) => known(Value::Null),
            Err(e) => e,
        }
    }

    pub(crate) fn and(&mut self, args: &[&Expr]) -> Eval {
        self.junction(args, false, "AND")
    }

    pub(crate) fn or(&mut self, args: &[&Expr]) -> Eval {
        self.junction(args, true, "OR")
    }

    /// AND (`decisive` = false) and OR (`decisive` = true): the first argument equal to
    /// `decisive` settles it; otherwise unknowns, then blanks, decide, else `!decisive`.
    fn junction(&mut self, args: &[&Expr], decisive: bool, name: &str) -> Eval {
        let mut h = Vec::new();
        let mut blank = false;
        for a in args {
            match self.cond(a) {
                Eval::Known(v) => match self.truth(&v, name) {
                    Ok(Some(b)) if b == decisive => return boolean(decisive),
                    Ok(Some(_)) => {}
                    Ok(None) => blank = true,
                    Err(e) => merge_hinges(&mut h, e.hinges()),
                },
                Eval::Unknown(more) => merge_hinges(&mut h, &more),
            }
        }
        if !h.is_empty() {
            Eval::Unknown(h)
        } else if blank {
            known(Value::Null)
        } else {
            boolean(!decisive)
        }
    }

    /// Ordering for comparisons; `Ok(None)` when a blank number/date/checkbox makes the
    /// comparison blank.
    fn compare(&self, a: &Value, b: &Value, op: &str) -> Result<Option<Ordering>, Eval> {
        use Value::*;
        let mismatch = || {
            Eval::unknown(format!(
                "a type mismatch: '{op}' compares {} with {}",
                type_name(a),
                type_name(b)
            ))
        };
        Ok(match (a, b) {
            (Null, Null) => Some(Ordering::Equal),
            (Text(x), Text(y)) => Some(x.cmp(y)),
            (Text(x), Null) => Some(x.as_str().cmp("")),
            (Null, Text(y)) => Some("".cmp(y.as_str())),
            (Number(x), Number(y)) => x.partial_cmp(y),
            (Number(_), Null) | (Null, Number(_)) => match (self.num(a, op)?, self.num(b, op)?) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => None,
            },
            (Bool(x), Bool(y)) => Some(x.cmp(y)),
            // Only checkbox fields are TRUE/FALSE-valued, and a checkbox is never blank: an
            // unset one is unchecked.
            (Bool(x), Null) => Some(x.cmp(&false)),
            (Null, Bool(y)) => Some(false.cmp(y)),
            (Date(x), Date(y)) => Some(x.cmp(y)),
            (DateTime(x), DateTime(y)) => Some(x.cmp(y)),
            (Date(x), DateTime(y)) => Some(x.saturating_mul(86_400_000).cmp(y)),
            (DateTime(x), Date(y)) => Some(x.cmp(&y.saturating_mul(86_400_000))),
            (Date(x), Text(s)) => match parse_date(s) {
                Some(y) => Some(x.cmp(&y)),
                None => return Err(mismatch()),
            },
            (Text(s), Date(y)) => match parse_date(s) {
                Some(x) => Some(x.cmp(y)),
                None => return Err(mismatch()),
            },
            (DateTime(x), Text(s)) => match parse_datetime(s) {
                Some(y) => Some(x.cmp(&y)),
                None => return Err(mismatch()),
            },
            (Text(s), DateTime(y)) => match parse_datetime(s) {
                Some(x) => Some(x.cmp(y)),
                None => return Err(mismatch()),
            },
            (Date(_) | DateTime(_), Null) | (Null, Date(_) | DateTime(_)) => None,
            _ => return Err(mismatch()),
        })
    }

    /// `a = b` as Salesforce compares (blank text is "").
    pub(crate) fn equals(&self, a: &Value, b: &Value) -> Eval {
        match self.compare(a, b, "=") {
            Ok(Some(o)) => boolean(o == Ordering::Equal),
            Ok(None) => known(Value::Null),
            Err(e) => e,
        }
    }

    fn binary(&self, op: BinOp, a: Value, b: Value) -> Eval {
        use Value::*;
        let sym = op.symbol();
        match op {
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let o = match self.compare(&a, &b, sym) {
                    Ok(Some(o)) => o,
                    Ok(None) => return known(Null),
                    Err(e) => return e,
                };
                boolean(match op {
                    BinOp::Eq => o == Ordering::Equal,
                    BinOp::Ne => o != Ordering::Equal,
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::Le => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                })
            }
            BinOp::Concat => {
                let mut s = as_text(&a);
                if s.len().saturating_add(as_text(&b).len()) > MAX_TEXT {
                    return Eval::unknown("a text value longer than this analyser builds");
                }
                s.push_str(&as_text(&b));
                text_result(s)
            }
            BinOp::Add => match (&a, &b) {
                (Text(_), Text(_) | Null) | (Null, Text(_)) => {
                    let s = as_text(&a);
                    let t = as_text(&b);
                    if s.len().saturating_add(t.len()) > MAX_TEXT {
                        return Eval::unknown("a text value longer than this analyser builds");
                    }
                    text_result(s + &t)
                }
                (Date(d), Number(n)) | (Number(n), Date(d)) => date_plus(*d, *n),
                (DateTime(ms), Number(n)) | (Number(n), DateTime(ms)) => datetime_plus(*ms, *n),
                (Date(_) | DateTime(_), Null) | (Null, Date(_) | DateTime(_)) => known(Null),
                _ => self.arith(op, &a, &b),
            },
            BinOp::Sub => match (&a, &b) {
                (Date(d), Number(n)) => date_plus(*d, -*n),
                (DateTime(ms), Number(n)) => datetime_plus(*ms, -*n),
                (Date(x), Date(y)) => known(Number(*x as f64 - *y as f64)),
                (DateTime(x), DateTime(y)) => known(Number((*x as f64 - *y as f64) / 86_400_000.0)),
                (Date(_) | DateTime(_), Null) | (Null, Date(_) | DateTime(_)) => known(Null),
                _ => self.arith(op, &a, &b),
            },
            _ => self.arith(op, &a, &b),
        }
    }

    fn arith(&self, op: BinOp, a: &Value, b: &Value) -> Eval {
        let what = format!("the operator '{}'", op.symbol());
        let (x, y) = match (self.num(a, &what), self.num(b, &what)) {
            (Ok(Some(x)), Ok(Some(y))) => (x, y),
            (Err(e), _) | (_, Err(e)) => return e,
            _ => return known(Value::Null),
        };
        let r = match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => {
                if y == 0.0 {
                    return runtime_error("a division by zero");
                }
                x / y
            }
            BinOp::Pow => x.powf(y),
            _ => return Eval::unknown(format!("the operator '{}' on numbers", op.symbol())),
        };
        number(r)
    }

    // ---- functions ----

    /// Function calls. Lazy functions (IF, CASE, AND, OR, BLANKVALUE, …) are handled here;
    /// every other function gets its parameters evaluated first and is applied by
    /// [`Self::apply`], which never recurses — this keeps the stack per nesting level small.
    fn call(&mut self, name: &str, args: &[Expr], whole: &Expr) -> Eval {
        let Some(sig) = functions::lookup(name) else {
            return Eval::unknown(format!("{name}() (unknown function)"));
        };
        if !sig.modelled {
            return Eval::unknown(format!(
                "{name}() (a function this analyser does not evaluate)"
            ));
        }
        if functions::arity_error(sig, args.len()).is_some() {
            return Eval::unknown(format!("{name}() (wrong number of parameters)"));
        }
        match name {
            "IF" => self.if_(args),
            "CASE" => self.case(args),
            "AND" => self.and(&args.iter().collect::<Vec<_>>()),
            "OR" => self.or(&args.iter().collect::<Vec<_>>()),
            "NOT" => match args.first().map(|a| self.cond(a)) {
                Some(Eval::Known(v)) => self.not(v),
                Some(u) => u,
                None => Eval::unknown("NOT() without a parameter"),
            },
            "ISNEW" => boolean(self.rec.is_new),
            "ISCLONE" => boolean(false),
            "ISCHANGED" | "PRIORVALUE" if !self.rec.is_new => Eval::unknown(format!(
                "{} (the field's prior value)",
                whole_text_hint(whole)
            )),
            "ISCHANGED" => boolean(false),
            "BLANKVALUE" | "NULLVALUE" => self.blank_value(name, args),
            _ => match self.args(args) {
                Ok(vals) => self.apply(name, &vals, args, whole),
                Err(u) => u,
            },
        }
    }

    fn blank_value(&mut self, name: &str, args: &[Expr]) -> Eval {
        let (Some(first), Some(second)) = (args.first(), args.get(1)) else {
            return Eval::unknown("missing parameter");
        };
        let v = match self.eval(first) {
            Eval::Known(v) => v,
            u => return u,
        };
        let blank = match &v {
            Value::Null => true,
            Value::Text(s) => name == "BLANKVALUE" && s.is_empty(),
            _ => false,
        };
        if blank {
            self.eval(second)
        } else {
            known(v)
        }
    }

    /// Applies a strict function to its evaluated parameters (`vals.len() == args.len()`).
    fn apply(&self, name: &str, vals: &[Value], args: &[Expr], whole: &Expr) -> Eval {
        let null = Value::Null;
        let a = vals.first().unwrap_or(&null);
        let b = vals.get(1).unwrap_or(&null);
        let c = vals.get(2);
        match name {
            "PRIORVALUE" => known(a.clone()),
            "ISBLANK" => boolean(match a {
                Value::Null => true,
                Value::Text(s) => s.is_empty(),
                _ => false,
            }),
            "ISNULL" => {
                let is_ref = args.first().is_some_and(|e| {
                    matches!(e.kind, ExprKind::Field(_) | ExprKind::Global { .. })
                });
                match a {
                    Value::Null if is_ref => Eval::unknown(format!(
                        "{} (TRUE for a blank number or date field, always FALSE for a text field; the field's type is not known here)",
                        whole_text_hint(whole)
                    )),
                    Value::Null => boolean(true),
                    _ => boolean(false),
                }
            }
            "ISPICKVAL" => boolean(as_text(a) == as_text(b)),
            "INCLUDES" => {
                let want = as_text(b);
                boolean(as_text(a).split(';').any(|p| p == want))
            }
            "TEXT" => known(Value::Text(as_text(a))),
            "VALUE" => match a {
                Value::Null => known(Value::Null),
                Value::Number(n) => known(Value::Number(*n)),
                other => match parse_number(&as_text(other)) {
                    Some(n) => known(Value::Number(n)),
                    None => runtime_error(&format!("VALUE() of {}", type_name(other))),
                },
            },
            "ISNUMBER" => boolean(match a {
                Value::Number(_) => true,
                other => parse_number(&as_text(other)).is_some(),
            }),
            "LEN" => known(Value::Number(as_text(a).chars().count() as f64)),
            "CONTAINS" => boolean(as_text(a).contains(&as_text(b))),
            "BEGINS" => boolean(as_text(a).starts_with(&as_text(b))),
            "REGEX" => match regex::full_match(&as_text(b), &as_text(a)) {
                Ok(m) => boolean(m),
                Err(why) => Eval::unknown(why),
            },
            "LEFT" | "RIGHT" => {
                let n = match self.num(b, name) {
                    Ok(Some(n)) => n,
                    Ok(None) => return known(Value::Null),
                    Err(e) => return e,
                };
                let s = as_text(a);
                let count = s.chars().count();
                let take = clamp_count(n, count);
                known(Value::Text(if name == "LEFT" {
                    s.chars().take(take).collect()
                } else {
                    s.chars().skip(count - take).collect()
                }))
            }
            "MID" => {
                let (st, n) = match (self.num(b, "MID"), self.num(c.unwrap_or(&null), "MID")) {
                    (Ok(Some(st)), Ok(Some(n))) => (st, n),
                    (Err(e), _) | (_, Err(e)) => return e,
                    _ => return known(Value::Null),
                };
                let s = as_text(a);
                let count = s.chars().count();
                let skip = if st < 1.0 {
                    0
                } else {
                    clamp_count(st - 1.0, count)
                };
                let take = clamp_count(n, count);
                known(Value::Text(s.chars().skip(skip).take(take).collect()))
            }
            "UPPER" => text_result(as_text(a).to_uppercase()),
            "LOWER" => text_result(as_text(a).to_lowercase()),
            "TRIM" => known(Value::Text(
                as_text(a)
                    .trim_matches(|ch| ch == ' ' || ch == '\t')
                    .to_string(),
            )),
            "INITCAP" => text_result(initcap(&as_text(a))),
            "REVERSE" => known(Value::Text(as_text(a).chars().rev().collect())),
            "BR" => known(Value::Text("\n".into())),
            // The anchor the platform generates (Salesforce Help 000396201: HYPERLINK("/apex/X",
            // "L", '_self') is `<a href="/apex/X" target="_self">L</a>`); without a target the
            // link opens in a new window.
            "HYPERLINK" => known(Value::Text(format!(
                "<a href=\"{}\" target=\"{}\">{}</a>",
                as_text(a),
                c.map(as_text)
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "_blank".into()),
                as_text(b)
            ))),
            "IMAGE" => {
                let mut size = String::new();
                if let Some(h) = c {
                    size.push_str(&format!(" height=\"{}\"", as_text(h)));
                }
                if let Some(w) = vals.get(3) {
                    size.push_str(&format!(" width=\"{}\"", as_text(w)));
                }
                known(Value::Text(format!(
                    "<img src=\"{}\" alt=\"{}\"{size} border=\"0\"/>",
                    as_text(a),
                    as_text(b)
                )))
            }
            "GETSESSIONID" => Eval::unknown(
                "GETSESSIONID() (the running session's id: text whose value cannot be known before the insert)",
            ),
            "ASCII" => match as_text(a).chars().next() {
                Some(ch) => known(Value::Number(ch as u32 as f64)),
                None => known(Value::Null),
            },
            "CHR" => match a {
                Value::Number(n) if *n >= 0.0 && *n <= u32::MAX as f64 => {
                    match char::from_u32(*n as u32) {
                        Some(ch) => known(Value::Text(ch.to_string())),
                        None => runtime_error("CHR() of an invalid code point"),
                    }
                }
                Value::Null => known(Value::Null),
                other => type_error("CHR", other),
            },
            "SUBSTITUTE" => {
                let (t, old, new) = (as_text(a), as_text(b), as_text(c.unwrap_or(&null)));
                if old.is_empty() {
                    return known(Value::Text(t));
                }
                let hits = t.matches(old.as_str()).count();
                let size = t.len().saturating_add(hits.saturating_mul(new.len()));
                if size > MAX_TEXT {
                    return Eval::unknown("a text value longer than this analyser builds");
                }
                known(Value::Text(t.replace(old.as_str(), &new)))
            }
            "FIND" => {
                let start = match c {
                    Some(s) => match self.num(s, "FIND") {
                        Ok(Some(n)) => n,
                        Ok(None) => 1.0,
                        Err(e) => return e,
                    },
                    None => 1.0,
                };
                known(Value::Number(find(&as_text(a), &as_text(b), start)))
            }
            "LPAD" | "RPAD" => {
                let n = match self.num(b, name) {
                    Ok(Some(n)) => n,
                    Ok(None) => return known(Value::Null),
                    Err(e) => return e,
                };
                if n > 100_000.0 {
                    return Eval::unknown("a text value longer than this analyser builds");
                }
                let pad = c.map(as_text).unwrap_or_else(|| " ".into());
                known(Value::Text(pad_text(&as_text(a), n, &pad, name == "LPAD")))
            }
            "CASESAFEID" => known(Value::Text(case_safe_id(&as_text(a)))),
            "NOW" => match self.opts.now_ms {
                Some(ms) => known(Value::DateTime(ms)),
                None => Eval::unknown("NOW() (the time of the insert)"),
            },
            "TODAY" => match self.opts.now_ms {
                Some(ms) => known(Value::Date(ms.div_euclid(86_400_000))),
                None => Eval::unknown("TODAY() (the date of the insert)"),
            },
            "TIMENOW" => Eval::unknown("TIMENOW() (the time of day of the insert)"),
            "DATE" => {
                let mut n = [0i64; 3];
                for (slot, x) in n.iter_mut().zip(vals.iter()) {
                    match self.num(x, "DATE") {
                        Ok(Some(f)) if f.is_finite() && f.abs() < 1e7 => *slot = f.trunc() as i64,
                        Ok(Some(_)) => return runtime_error("DATE() with an invalid date"),
                        Ok(None) => return known(Value::Null),
                        Err(e) => return e,
                    }
                }
                if valid_date(n[0], n[1], n[2]) {
                    known(Value::Date(days_from_civil(n[0], n[1], n[2])))
                } else {
                    runtime_error("DATE() with an invalid date")
                }
            }
            "DATEVALUE" => match a {
                Value::Null => known(Value::Null),
                Value::Date(d) => known(Value::Date(*d)),
                Value::DateTime(ms) => known(Value::Date(ms.div_euclid(86_400_000))),
                Value::Text(s) => match parse_date(s)
                    .or_else(|| parse_datetime(s).map(|ms| ms.div_euclid(86_400_000)))
                {
                    Some(d) => known(Value::Date(d)),
                    None => runtime_error("DATEVALUE() of text that is not a date"),
                },
                other => type_error("DATEVALUE", other),
            },
            "DATETIMEVALUE" => match a {
                Value::Null => known(Value::Null),
                Value::Date(d) => known(Value::DateTime(d.saturating_mul(86_400_000))),
                Value::DateTime(ms) => known(Value::DateTime(*ms)),
                Value::Text(s) => match parse_datetime(s) {
                    Some(ms) => known(Value::DateTime(ms)),
                    None => runtime_error("DATETIMEVALUE() of text that is not a date/time"),
                },
                other => type_error("DATETIMEVALUE", other),
            },
            "YEAR" | "MONTH" | "DAY" | "WEEKDAY" | "DAYOFYEAR" => {
                let d = match self.date_of(a, name) {
                    Ok(Some(d)) => d,
                    Ok(None) => return known(Value::Null),
                    Err(e) => return e,
                };
                let (y, m, day) = civil_from_days(d);
                let r = match name {
                    "YEAR" => y,
                    "MONTH" => m,
                    "DAY" => day,
                    "WEEKDAY" => (d + 4).rem_euclid(7) + 1,
                    _ => d - days_from_civil(y, 1, 1) + 1,
                };
                known(Value::Number(r as f64))
            }
            "ADDMONTHS" => {
                let n = match self.num(b, "ADDMONTHS") {
                    Ok(Some(n)) if n.is_finite() && n.abs() < 100_000.0 => n.trunc() as i64,
                    Ok(Some(_)) => return runtime_error("ADDMONTHS() out of range"),
                    Ok(None) => return known(Value::Null),
                    Err(e) => return e,
                };
                let (days, time_ms) = match a {
                    Value::DateTime(ms) => {
                        (ms.div_euclid(86_400_000), Some(ms.rem_euclid(86_400_000)))
                    }
                    other => match self.date_of(other, "ADDMONTHS") {
                        Ok(Some(x)) => (x, None),
                        Ok(None) => return known(Value::Null),
                        Err(e) => return e,
                    },
                };
                let r = add_months(days, n);
                if !(-100_000..=1_000_000).contains(&r) {
                    return runtime_error("ADDMONTHS() out of range");
                }
                known(match time_ms {
                    Some(t) => Value::DateTime(r.saturating_mul(86_400_000).saturating_add(t)),
                    None => Value::Date(r),
                })
            }
            "ABS" | "CEILING" | "FLOOR" | "MCEILING" | "MFLOOR" | "SQRT" | "EXP" | "LN" | "LOG" => {
                let x = match self.num(a, name) {
                    Ok(Some(x)) => x,
                    Ok(None) => return known(Value::Null),
                    Err(e) => return e,
                };
                let r = match name {
                    "ABS" => x.abs(),
                    // Salesforce: CEILING rounds away from zero, FLOOR toward zero;
                    // MCEILING/MFLOOR are the mathematical ones.
                    "CEILING" if x >= 0.0 => x.ceil(),
                    "CEILING" => x.floor(),
                    "FLOOR" if x >= 0.0 => x.floor(),
                    "FLOOR" => x.ceil(),
                    "MCEILING" => x.ceil(),
                    "MFLOOR" => x.floor(),
                    "SQRT" if x < 0.0 => return runtime_error("SQRT() of a negative number"),
                    "SQRT" => x.sqrt(),
                    "EXP" => x.exp(),
                    "LN" | "LOG" if x <= 0.0 => {
                        return runtime_error(&format!("{name}() of a number that is not positive"))
                    }
                    "LN" => x.ln(),
                    _ => x.log10(),
                };
                number(r)
            }
            "ROUND" | "MOD" => {
                let (x, y) = match (self.num(a, name), self.num(b, name)) {
                    (Ok(Some(x)), Ok(Some(y))) => (x, y),
                    (Err(e), _) | (_, Err(e)) => return e,
                    _ => return known(Value::Null),
                };
                if name == "MOD" {
                    if y == 0.0 {
                        return runtime_error("MOD() by zero");
                    }
                    return number(x % y);
                }
                let digits = y.trunc().clamp(-300.0, 300.0) as i32;
                let f = 10f64.powi(digits);
                // Salesforce rounds decimals half away from zero; nudge by a few ulps so the
                // binary representation (2.345 → 2.34499…) does not round the wrong way.
                let scaled = x * f;
                let r = (scaled + scaled.signum() * scaled.abs().max(1.0) * 1e-12).round() / f;
                number(if r.is_finite() { r } else { x })
            }
            "MAX" | "MIN" => {
                let mut best: Option<f64> = None;
                for x in vals {
                    match self.num(x, name) {
                        Ok(Some(n)) => {
                            best = Some(match best {
                                None => n,
                                Some(b) if name == "MAX" => b.max(n),
                                Some(b) => b.min(n),
                            })
                        }
                        Ok(None) => return known(Value::Null),
                        Err(e) => return e,
                    }
                }
                match best {
                    Some(b) => number(b),
                    None => known(Value::Null),
                }
            }
            other => Eval::unknown(format!(
                "{other}() (a function this analyser does not evaluate)"
            )),
        }
    }

    fn if_(&mut self, args: &[Expr]) -> Eval {
        let (Some(c), Some(a), Some(b)) = (args.first(), args.get(1), args.get(2)) else {
            return Eval::unknown("IF() parameters");
        };
        match self.cond(c) {
            Eval::Known(v) => match self.truth(&v, "IF") {
                Ok(Some(true)) => self.eval(a),
                Ok(Some(false)) | Ok(None) => self.eval(b),
                Err(e) => e,
            },
            Eval::Unknown(h) => {
                let ea = self.eval(a);
                let eb = self.eval(b);
                if let (Eval::Known(x), Eval::Known(y)) = (&ea, &eb) {
                    if x == y {
                        return ea;
                    }
                }
                let mut all = h;
                merge_hinges(&mut all, ea.hinges());
                merge_hinges(&mut all, eb.hinges());
                Eval::Unknown(all)
            }
        }
    }

    fn case(&mut self, args: &[Expr]) -> Eval {
        let Some((subject, rest)) = args.split_first() else {
            return Eval::unknown("CASE() parameters");
        };
        let Some((default, pairs)) = rest.split_last() else {
            return Eval::unknown("CASE() parameters");
        };
        let s = self.eval(subject);
        let mut hinges: Vec<String> = s.hinges().to_vec();
        // Outcomes still possible, and whether an earlier match is uncertain.
        let mut outcomes: Vec<Eval> = Vec::new();
        for pair in pairs.chunks(2) {
            let (Some(when), Some(then)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            let w = self.eval(when);
            let m = match (&s, &w) {
                (Eval::Known(a), Eval::Known(b)) => self.equals(a, b),
                _ => {
                    let mut h = s.hinges().to_vec();
                    merge_hinges(&mut h, w.hinges());
                    Eval::Unknown(h)
                }
            };
            match m {
                Eval::Known(Value::Bool(true)) => {
                    outcomes.push(self.eval(then));
                    return settle(outcomes, hinges);
                }
                Eval::Known(_) => {}
                Eval::Unknown(h) => {
                    merge_hinges(&mut hinges, &h);
                    outcomes.push(self.eval(then));
                }
            }
        }
        outcomes.push(self.eval(default));
        settle(outcomes, hinges)
    }
}

/// One outcome known for sure, or unknown with every hinge involved.
fn settle(outcomes: Vec<Eval>, mut hinges: Vec<String>) -> Eval {
    let first = outcomes.first().cloned();
    if let Some(Eval::Known(v)) = &first {
        if outcomes
            .iter()
            .all(|o| matches!(o, Eval::Known(x) if x == v))
        {
            return Eval::Known(v.clone());
        }
    }
    if hinges.is_empty() {
        // Only one candidate (no uncertain match): it is the result, known or not.
        if let Some(f) = outcomes.into_iter().last() {
            return f;
        }
        return Eval::unknown("CASE()");
    }
    for o in &outcomes {
        merge_hinges(&mut hinges, o.hinges());
    }
    Eval::Unknown(hinges)
}

fn whole_text_hint(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Call { name, args, .. } => {
            let inner: Vec<String> = args
                .iter()
                .map(|a| match &a.kind {
                    ExprKind::Field(p) => p.join("."),
                    ExprKind::Global { root, path, .. } => format!("{root}.{}", path.join(".")),
                    _ => "…".to_string(),
                })
                .collect();
            format!("{name}({})", inner.join(", "))
        }
        _ => "the expression".to_string(),
    }
}

fn number(r: f64) -> Eval {
    if r.is_finite() {
        known(Value::Number(r))
    } else {
        runtime_error("a number out of range")
    }
}

fn date_plus(d: i64, n: f64) -> Eval {
    if !n.is_finite() || n.abs() > 1e7 {
        return runtime_error("a date out of range");
    }
    match d.checked_add(n.trunc() as i64) {
        Some(v) => known(Value::Date(v)),
        None => runtime_error("a date out of range"),
    }
}

fn datetime_plus(ms: i64, n: f64) -> Eval {
    if !n.is_finite() || n.abs() > 1e7 {
        return runtime_error("a date/time out of range");
    }
    match ms.checked_add((n * 86_400_000.0).round() as i64) {
        Some(v) => known(Value::DateTime(v)),
        None => runtime_error("a date/time out of range"),
    }
}

/// A number written as text: optional sign, digits, optional decimals (spaces around allowed).
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let ok = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|c| *c == '.').count() <= 1
        && body.chars().any(|c| c.is_ascii_digit());
    if ok {
        t.parse().ok()
    } else {
        None
    }
}

fn clamp_count(n: f64, max: usize) -> usize {
    if n.is_nan() || n <= 0.0 {
        0
    } else if n >= max as f64 {
        max
    } else {
        n.trunc() as usize
    }
}

fn find(needle: &str, hay: &str, start: f64) -> f64 {
    if needle.is_empty() || start.is_nan() || start < 1.0 {
        return 0.0;
    }
    let chars: Vec<char> = hay.chars().collect();
    let skip = clamp_count(start - 1.0, chars.len());
    let tail: String = chars.iter().skip(skip).collect();
    match tail.find(needle) {
        Some(byte) => {
            let idx = tail.get(..byte).map(|p| p.chars().count()).unwrap_or(0);
            (skip + idx + 1) as f64
        }
        None => 0.0,
    }
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if at_word_start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            at_word_start = false;
        } else {
            out.push(c);
            at_word_start = true;
        }
    }
    out
}

fn pad_text(s: &str, n: f64, pad: &str, left: bool) -> String {
    let want = clamp_count(n, 100_000);
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= want {
        return chars.iter().take(want).collect();
    }
    let pad_chars: Vec<char> = pad.chars().collect();
    if pad_chars.is_empty() {
        return s.to_string();
    }
    let fill: String = pad_chars.iter().cycle().take(want - chars.len()).collect();
    if left {
        fill + s
    } else {
        s.to_string() + &fill
    }
}

/// The 18-character case-insensitive form of a 15-character record id.
fn case_safe_id(id: &str) -> String {
    if id.len() != 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return id.to_string();
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let bytes = id.as_bytes();
    let mut out = id.to_string();
    for chunk in bytes.chunks(5) {
        let mut bits = 0usize;
        for (i, b) in chunk.iter().enumerate() {
            if b.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        if let Some(c) = ALPHABET.get(bits) {
            out.push(*c as char);
        }
    }
    out
}

/// Salesforce ADDMONTHS: the same day in the target month, clamped to its length; the last
/// day of a month maps to the last day of the target month.
fn add_months(days: i64, n: i64) -> i64 {
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m - 1) + n;
    let ny = total.div_euclid(12);
    let nm = total.rem_euclid(12) + 1;
    let last = days_in_month(ny, nm);
    let nd = if d == days_in_month(y, m) {
        last
    } else {
        d.min(last)
    };
    days_from_civil(ny, nm, nd)
}
