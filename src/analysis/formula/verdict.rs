//! Judging a validation rule against the inserted record: verdict, the deciding clause, a
//! clause-by-clause explanation, and bypass rewrites.

use serde::Serialize;

use super::ast::{BinOp, Expr, ExprKind, GlobalKind, Span, UnaryOp};
use super::eval::{Ev, EvalOptions};
use super::value::{Eval, Value};
use super::{parse, FormulaError};
use crate::analysis::record::InsertedRecord;

/// Whether the rule blocks the insert. A validation rule fires when its error-condition
/// formula is TRUE; FALSE or blank lets the record save.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Verdict {
    Fires,
    MayFire {
        /// The unknowns the outcome depends on, e.g. `$Permission.Bypass_VR`,
        /// `Contact__r.Email (a related record's field)`.
        #[serde(rename = "hingesOn")]
        hinges_on: Vec<String>,
    },
    DoesNotFire,
    /// The formula did not parse; `RuleVerdict::error` says why and where.
    Unparsable,
}

/// How a clause or decider evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ValueState {
    True,
    False,
    /// Salesforce blank (null).
    Blank,
    Unknown,
    /// A non-boolean value (number, text, date).
    Value,
}

/// A sub-expression of the formula with what it evaluated to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Clause {
    /// Byte span into the formula text, for highlighting.
    pub span: Span,
    /// The clause as written.
    pub text: String,
    /// The value rendered for people: `TRUE`, `FALSE`, `"Waiting"`, `unknown (depends on …)`.
    pub value: String,
    pub state: ValueState,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hinges_on: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuggestionKind {
    /// `AND(NOT(ISPICKVAL(Origin, 'InboundInitiated')), …)`.
    OriginGuard,
    /// `AND(NOT($Permission.Bypass_MessagingSession_Validation), …)`.
    BypassPermission,
    /// The rule already checks a custom permission: grant it, formula unchanged.
    AssignExistingPermission,
    /// `AND(NOT(ISNEW()), …)`.
    UpdateOnly,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub kind: SuggestionKind,
    /// The rewritten error-condition formula, ready to paste.
    pub formula: String,
    /// One line: when this is the right fix.
    pub rationale: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The rewrite was judged against the same record (with the permission granted, for the
    /// permission routes) and does not fire.
    pub verified_not_firing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleVerdict {
    pub active: bool,
    pub verdict: Verdict,
    /// The smallest sub-expression whose value decided the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decider: Option<Clause>,
    /// Each top-level clause (the parts of a top-level AND/OR, else the whole formula).
    pub clauses: Vec<Clause>,
    /// Rewrites that stop the rule blocking the chat; empty for inactive rules and rules that
    /// do not fire.
    pub suggestions: Vec<Suggestion>,
    /// One sentence for the report.
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<FormulaError>,
}

/// The custom permission the bypass suggestion introduces.
pub const BYPASS_PERMISSION: &str = "Bypass_MessagingSession_Validation";

/// Judges a validation rule's error-condition formula against `record` with default options
/// (blank as blank, no clock). See [`judge_rule_with`].
pub fn judge_rule(formula: &str, active: bool, record: &InsertedRecord) -> RuleVerdict {
    judge_rule_with(formula, active, record, &EvalOptions::default())
}

/// Judges a validation rule with explicit evaluation options (e.g. the rule's "treat blank
/// fields as zeroes" setting).
pub fn judge_rule_with(
    formula: &str,
    active: bool,
    record: &InsertedRecord,
    opts: &EvalOptions,
) -> RuleVerdict {
    let expr = match parse(formula) {
        Ok(e) => e,
        Err(error) => {
            return RuleVerdict {
                active,
                verdict: Verdict::Unparsable,
                decider: None,
                clauses: Vec::new(),
                suggestions: Vec::new(),
                summary: format!("The formula could not be analysed: {}", error.message),
                error: Some(error),
            }
        }
    };
    let mut ev = Ev {
        rec: record,
        opts,
        depth: 0,
    };
    let result = ev.eval(&expr);
    let verdict = verdict_of(&result);
    let decider_expr = decide(&mut ev, &expr, &result);
    let decider = clause(
        formula,
        decider_expr,
        &result_of(&mut ev, decider_expr, &expr, &result),
    );
    let clauses = top_clauses(&expr)
        .into_iter()
        .map(|c| {
            let v = ev.cond(c);
            clause(formula, c, &v)
        })
        .collect();
    let blocks = matches!(verdict, Verdict::Fires | Verdict::MayFire { .. });
    let suggestions = if active && blocks {
        suggest(formula, &expr, record, opts)
    } else {
        Vec::new()
    };
    let summary = summarize(active, &verdict, &decider, &record.object);
    RuleVerdict {
        active,
        verdict,
        decider: Some(decider),
        clauses,
        suggestions,
        summary,
        error: None,
    }
}

fn verdict_of(r: &Eval) -> Verdict {
    match r {
        Eval::Known(Value::Bool(true)) => Verdict::Fires,
        Eval::Known(Value::Bool(false)) | Eval::Known(Value::Null) => Verdict::DoesNotFire,
        Eval::Known(other) => Verdict::MayFire {
            hinges_on: vec![format!(
                "a formula that returns {} instead of TRUE/FALSE",
                super::eval::type_name(other)
            )],
        },
        Eval::Unknown(h) => Verdict::MayFire {
            hinges_on: h.clone(),
        },
    }
}

fn result_of(ev: &mut Ev<'_>, e: &Expr, root: &Expr, root_result: &Eval) -> Eval {
    if std::ptr::eq(e, root) {
        root_result.clone()
    } else {
        ev.eval(e)
    }
}

fn state_of(v: &Eval) -> ValueState {
    match v {
        Eval::Known(Value::Bool(true)) => ValueState::True,
        Eval::Known(Value::Bool(false)) => ValueState::False,
        Eval::Known(Value::Null) => ValueState::Blank,
        Eval::Known(_) => ValueState::Value,
        Eval::Unknown(_) => ValueState::Unknown,
    }
}

fn clause(src: &str, e: &Expr, v: &Eval) -> Clause {
    Clause {
        span: e.span,
        text: e.span.text(src).to_string(),
        value: v.to_string(),
        state: state_of(v),
        hinges_on: v.hinges().to_vec(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Logic {
    And,
    Or,
}

fn logic_of(e: &Expr) -> Option<Logic> {
    match &e.kind {
        ExprKind::Call { name, .. } if name == "AND" => Some(Logic::And),
        ExprKind::Call { name, .. } if name == "OR" => Some(Logic::Or),
        ExprKind::Binary { op: BinOp::And, .. } => Some(Logic::And),
        ExprKind::Binary { op: BinOp::Or, .. } => Some(Logic::Or),
        _ => None,
    }
}

/// The operands of an AND/OR, with `a && b && c` chains flattened.
fn parts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::Binary { op, lhs, rhs } => {
            let mut out = Vec::new();
            for side in [lhs.as_ref(), rhs.as_ref()] {
                match &side.kind {
                    ExprKind::Binary { op: o2, .. }
                        if o2 == op && side.span == inner_span(side) =>
                    {
                        out.extend(parts(side))
                    }
                    _ => out.push(side),
                }
            }
            out
        }
        _ => vec![e],
    }
}

/// A chain is flattened only when the operand was not written in its own parentheses; the
/// span of an unparenthesised binary runs from its lhs to its rhs.
fn inner_span(e: &Expr) -> Span {
    match &e.kind {
        ExprKind::Binary { lhs, rhs, .. } => lhs.span.to(rhs.span),
        _ => e.span,
    }
}

/// Finds the smallest sub-expression that decided `e`'s value `r`: descends through AND/OR
/// (the first FALSE part of a FALSE AND, the first TRUE part of a TRUE OR, the single unknown
/// part of an unknown one); stops at anything else (NOT, IF, comparisons, functions).
fn decide<'e>(ev: &mut Ev<'_>, e: &'e Expr, r: &Eval) -> &'e Expr {
    let Some(logic) = logic_of(e) else {
        return e;
    };
    let ps = parts(e);
    let vals: Vec<Eval> = ps.iter().map(|p| ev.cond(p)).collect();
    let pick = |want: &dyn Fn(&Eval) -> bool| ps.iter().zip(vals.iter()).find(|(_, v)| want(v));
    let next = match (logic, r) {
        (Logic::And, Eval::Known(Value::Bool(false))) => {
            pick(&|v| matches!(v, Eval::Known(Value::Bool(false))))
        }
        (Logic::And, Eval::Known(Value::Null)) => pick(&|v| matches!(v, Eval::Known(Value::Null))),
        (Logic::Or, Eval::Known(Value::Bool(true))) => {
            pick(&|v| matches!(v, Eval::Known(Value::Bool(true))))
        }
        (_, Eval::Unknown(_)) => {
            let unknown: Vec<_> = ps
                .iter()
                .zip(vals.iter())
                .filter(|(_, v)| v.is_unknown())
                .collect();
            if unknown.len() == 1 {
                unknown.first().copied()
            } else {
                None
            }
        }
        _ => None,
    };
    match next {
        Some((p, v)) => {
            let v = v.clone();
            decide(ev, p, &v)
        }
        None => e,
    }
}

/// The top-level clauses: the parts of a top-level AND/OR (also under one NOT), else the
/// formula itself.
fn top_clauses(e: &Expr) -> Vec<&Expr> {
    if logic_of(e).is_some() {
        return parts(e);
    }
    let inner = match &e.kind {
        ExprKind::Call { name, args, .. } if name == "NOT" => args.first(),
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => Some(operand.as_ref()),
        _ => None,
    };
    match inner {
        Some(i) if logic_of(i).is_some() => {
            let mut v = vec![e];
            v.extend(parts(i));
            v
        }
        _ => vec![e],
    }
}

fn summarize(active: bool, v: &Verdict, decider: &Clause, object: &str) -> String {
    let text = short(&decider.text);
    let s = match v {
        Verdict::Fires => format!(
            "fires on the {object} the chat inserts: {text} is TRUE, so the insert fails with the rule's error"
        ),
        Verdict::MayFire { hinges_on } => format!(
            "may fire on the {object} the chat inserts; it depends on {}",
            hinges_on.join("; ")
        ),
        Verdict::DoesNotFire => format!(
            "does not fire on the {object} the chat inserts: {text} is {}",
            decider.value
        ),
        Verdict::Unparsable => "could not be analysed".to_string(),
    };
    if active {
        format!("This rule {s}.")
    } else {
        format!("This rule is inactive; if activated it {s}.")
    }
}

fn short(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 120 {
        let cut: String = one_line.chars().take(117).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

// ---- suggestions ----

struct Refs {
    origin_or_status: bool,
    permissions: Vec<String>,
}

fn collect_refs(e: &Expr, out: &mut Refs) {
    match &e.kind {
        ExprKind::Field(path)
            if path.len() == 1
                && path.first().is_some_and(|f| {
                    f.eq_ignore_ascii_case("Origin") || f.eq_ignore_ascii_case("Status")
                }) =>
        {
            out.origin_or_status = true;
        }
        ExprKind::Global {
            kind: GlobalKind::Permission,
            path,
            ..
        } => {
            if let Some(p) = path.first() {
                if !out.permissions.iter().any(|q| q.eq_ignore_ascii_case(p)) {
                    out.permissions.push(p.clone());
                }
            }
        }
        _ => {}
    }
    for c in e.children() {
        collect_refs(c, out);
    }
}

/// `AND(<guard>, <original>)`; when the formula is itself one `AND(…)` call, the guard joins
/// it as the first parameter instead of nesting (`AND(<guard>, a, b)`).
fn wrap(guard: &str, original: &str, expr: &Expr) -> String {
    let o = original.trim();
    if let ExprKind::Call { name, args, .. } = &expr.kind {
        let whole = expr.span.text(original) == o;
        if let (true, true, Some(first), Some(last)) =
            (name == "AND", whole, args.first(), args.last())
        {
            let inner = original.get(first.span.start..last.span.end).unwrap_or("");
            if !inner.is_empty() {
                return if inner.contains('\n') {
                    format!("AND(\n{guard},\n{inner}\n)")
                } else {
                    format!("AND({guard}, {inner})")
                };
            }
        }
    }
    if o.contains('\n') {
        format!("AND(\n{guard},\n{o}\n)")
    } else {
        format!("AND({guard}, {o})")
    }
}

fn does_not_fire(formula: &str, record: &InsertedRecord, opts: &EvalOptions) -> bool {
    let v = judge_rule_core(formula, record, opts);
    matches!(v, Some(Verdict::DoesNotFire))
}

fn judge_rule_core(formula: &str, record: &InsertedRecord, opts: &EvalOptions) -> Option<Verdict> {
    let e = parse(formula).ok()?;
    Some(verdict_of(&super::evaluate(&e, record, opts)))
}

const AUTOPROC_NOTE: &str = "Create the custom permission, add it to a permission set, and assign that set to the Automated Process user (User.UserType = 'AutomatedProcess', alias autoproc), which evidence points to as the user that inserts the session (unverified — confirm with SELECT CreatedBy.Name, CreatedBy.UserType FROM MessagingSession ORDER BY CreatedDate DESC LIMIT 5). That user is usually not listed under Setup → Users, so create the PermissionSetAssignment through the API (e.g. Data Loader or Workbench) with its user id.";

fn suggest(
    formula: &str,
    expr: &Expr,
    record: &InsertedRecord,
    opts: &EvalOptions,
) -> Vec<Suggestion> {
    let mut refs = Refs {
        origin_or_status: false,
        permissions: Vec::new(),
    };
    collect_refs(expr, &mut refs);
    let mut out = Vec::new();

    if refs.origin_or_status {
        let f = wrap("NOT(ISPICKVAL(Origin, 'InboundInitiated'))", formula, expr);
        out.push(Suggestion {
            kind: SuggestionKind::OriginGuard,
            verified_not_firing: does_not_fire(&f, record, opts),
            formula: f,
            rationale: "The rule already keys on Origin/Status: exempting customer-started chat sessions (Origin 'InboundInitiated') keeps it for every other session.".into(),
            note: Some("It also stops applying when agents later edit those chat sessions.".into()),
        });
    }

    // An existing bypass permission that would stop the rule if granted.
    let mut granted = record.clone();
    for p in &refs.permissions {
        granted.permissions.insert(p.clone(), true);
    }
    if !refs.permissions.is_empty() && does_not_fire(formula, &granted, opts) {
        let names: Vec<String> = refs
            .permissions
            .iter()
            .map(|p| format!("$Permission.{p}"))
            .collect();
        out.push(Suggestion {
            kind: SuggestionKind::AssignExistingPermission,
            formula: formula.trim().to_string(),
            rationale: format!(
                "The rule already has a bypass ({}): grant it to the user that inserts the session, no formula change needed.",
                names.join(", ")
            ),
            note: Some(AUTOPROC_NOTE.into()),
            verified_not_firing: true,
        });
    } else {
        let f = wrap(
            &format!("NOT($Permission.{BYPASS_PERMISSION})"),
            formula,
            expr,
        );
        let mut with_perm = record.clone();
        with_perm.permissions.insert(BYPASS_PERMISSION.into(), true);
        out.push(Suggestion {
            kind: SuggestionKind::BypassPermission,
            verified_not_firing: does_not_fire(&f, &with_perm, opts),
            formula: f,
            rationale: "Keeps the rule for people everywhere and skips it only for a user holding the custom permission — the most targeted bypass.".into(),
            note: Some(AUTOPROC_NOTE.into()),
        });
    }

    let f = wrap("NOT(ISNEW())", formula, expr);
    out.push(Suggestion {
        kind: SuggestionKind::UpdateOnly,
        verified_not_firing: does_not_fire(&f, record, opts),
        formula: f,
        rationale: "Enforces the rule only when a session is edited, never on any insert — right only if the rule is meant for agents updating sessions.".into(),
        note: None,
    });
    out
}
