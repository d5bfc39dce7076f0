//! Expressions: precedence climbing over binary operators (with flat chains for long
//! left-associative arithmetic), unary operators and casts, primaries (literals, names, `new`,
//! inline queries, type literals) and postfix links (`.member`, calls, `[index]`, `++`/`--`).

use super::{Expr, ExprKind, Parser, CHAIN_ALLOWANCE, MAX_DEPTH};
use crate::analysis::apex::lexer::{unescape, Kw, TokenKind};

fn binop(op: &str) -> Option<(u8, bool)> {
    // (precedence, right-associative)
    Some(match op {
        "=" | "+=" | "-=" | "*=" | "/=" | "&=" | "|=" | "^=" | "%=" | "<<=" => (1, true),
        "?" => (2, true),
        "??" => (3, false),
        "||" => (4, false),
        "&&" => (5, false),
        "|" => (6, false),
        "^" => (7, false),
        "&" => (8, false),
        "==" | "!=" | "===" | "!==" | "<>" => (9, false),
        "<" | ">" | "<=" | ">=" => (10, false),
        "<<" => (11, false),
        "+" | "-" => (12, false),
        "*" | "/" | "%" => (13, false),
        _ => return None,
    })
}

/// Left-associative operators whose repeated use is kept as one flat [`ExprKind::Chain`].
fn chains(op: &str) -> bool {
    matches!(op, "+" | "-" | "*" | "/" | "%")
}

impl Parser<'_> {
    pub(super) fn unknown_expr(&self) -> Expr {
        Expr {
            kind: ExprKind::Unknown,
            line: self.line(),
            start: self.start(),
            end: self.start(),
        }
    }

    pub fn expr(&mut self) -> Expr {
        self.expr_bp(0)
    }

    fn expr_bp(&mut self, min: u8) -> Expr {
        if self.depth > MAX_DEPTH {
            let e = self.unknown_expr();
            self.skip_expr();
            return e;
        }
        self.depth += 1;
        let base = self.depth;
        let mut lhs = self.unary();
        loop {
            // Operator chains (`a + b + c …`) nest the tree too.
            if self.depth > MAX_DEPTH + CHAIN_ALLOWANCE {
                self.skip_expr();
                break;
            }
            let Some(t) = self.peek().copied() else { break };
            if t.kind == TokenKind::Keyword(Kw::InstanceOf) {
                if 10 < min {
                    break;
                }
                self.pos += 1;
                let ty = self.parse_type().unwrap_or_default();
                let (start, line) = (lhs.start, lhs.line);
                lhs = self.wrap(start, line, |l| ExprKind::InstanceOf(Box::new(l), ty), lhs);
                self.depth += 1;
                continue;
            }
            let TokenKind::Op(op) = t.kind else { break };
            // `>>` / `>>>` arrive as separate `>` tokens: recombine adjacent ones as a shift.
            let (op, width) = if op == ">"
                && self
                    .peek_at(1)
                    .is_some_and(|n| n.kind == TokenKind::Op(">") && n.start == t.end)
            {
                (">>", 2usize)
            } else {
                (op, 1usize)
            };
            let (prec, right) = match op {
                ">>" => (11, false),
                _ => match binop(op) {
                    Some(p) => p,
                    None => break,
                },
            };
            if prec < min {
                break;
            }
            self.pos += width;
            let start = lhs.start;
            let line = lhs.line;
            if op == "?" {
                let then = self.expr_bp(0);
                self.eat_op(":");
                let els = self.expr_bp(prec);
                lhs = Expr {
                    kind: ExprKind::Ternary(Box::new(lhs), Box::new(then), Box::new(els)),
                    line,
                    start,
                    end: self.prev_end().max(start),
                };
                self.depth += 1;
                continue;
            }
            let next_min = if right { prec } else { prec + 1 };
            let rhs = self.expr_bp(next_min);
            if chains(op) {
                // Fold `a + b + c …` into one flat node: same value as the left-nested tree
                // (the fold is left to right), no depth per operand.
                let end = self.prev_end().max(start);
                match lhs.kind {
                    ExprKind::Chain(mut operands, mut ops)
                        if ops
                            .first()
                            .is_some_and(|o| binop(o).map(|b| b.0) == Some(prec)) =>
                    {
                        operands.push(rhs);
                        ops.push(op);
                        lhs = Expr {
                            kind: ExprKind::Chain(operands, ops),
                            line,
                            start,
                            end,
                        };
                        continue;
                    }
                    ExprKind::Binary(o, a, b) if binop(o).map(|b| b.0) == Some(prec) => {
                        lhs = Expr {
                            kind: ExprKind::Chain(vec![*a, *b, rhs], vec![o, op]),
                            line,
                            start,
                            end,
                        };
                        continue;
                    }
                    kind => lhs.kind = kind,
                }
            }
            let kind = if prec == 1 {
                ExprKind::Assign(op, Box::new(lhs), Box::new(rhs))
            } else {
                ExprKind::Binary(op, Box::new(lhs), Box::new(rhs))
            };
            lhs = Expr {
                kind,
                line,
                start,
                end: self.prev_end().max(start),
            };
            self.depth += 1;
        }
        self.depth = base - 1;
        lhs
    }

    fn wrap(&self, start: usize, line: u32, f: impl FnOnce(Expr) -> ExprKind, inner: Expr) -> Expr {
        Expr {
            kind: f(inner),
            line,
            start,
            end: self.prev_end().max(start),
        }
    }

    fn unary(&mut self) -> Expr {
        let line = self.line();
        let start = self.start();
        let Some(t) = self.peek().copied() else {
            return self.unknown_expr();
        };
        if let TokenKind::Op(op @ ("!" | "-" | "+" | "~" | "++" | "--")) = t.kind {
            self.pos += 1;
            if self.depth > MAX_DEPTH {
                let e = self.unknown_expr();
                self.skip_expr();
                return e;
            }
            self.depth += 1;
            let inner = self.unary();
            self.depth -= 1;
            return self.wrap(start, line, |e| ExprKind::Unary(op, Box::new(e)), inner);
        }
        if t.kind == TokenKind::Op("(") {
            if let Some(cast) = self.try_cast() {
                return cast;
            }
        }
        let p = self.primary();
        self.postfix(p)
    }

    /// `(Type) operand` when the parenthesised tokens form a type and an operand follows.
    fn try_cast(&mut self) -> Option<Expr> {
        let save = self.pos;
        let line = self.line();
        let start = self.start();
        self.pos += 1;
        let ty = self.parse_type();
        let looks = ty.is_some()
            && self.is_op(")")
            && self.peek_at(1).is_some_and(|n| {
                matches!(
                    n.kind,
                    TokenKind::Ident
                        | TokenKind::Str
                        | TokenKind::Number
                        | TokenKind::Soql
                        | TokenKind::Keyword(Kw::New | Kw::This | Kw::Null | Kw::Super)
                        | TokenKind::Op("(")
                )
            });
        if !looks {
            self.pos = save;
            return None;
        }
        self.pos += 1; // `)`
        if self.depth > MAX_DEPTH {
            let e = self.unknown_expr();
            self.skip_expr();
            return Some(e);
        }
        self.depth += 1;
        let inner = self.unary();
        self.depth -= 1;
        let ty = ty.unwrap_or_default();
        Some(self.wrap(start, line, |e| ExprKind::Cast(ty, Box::new(e)), inner))
    }

    fn args(&mut self) -> Vec<Expr> {
        let mut out = Vec::new();
        if !self.eat_op("(") {
            return out;
        }
        while !self.at_end() && !self.is_op(")") {
            let before = self.pos;
            out.push(self.expr());
            if self.eat_op(",") {
                continue;
            }
            if !self.is_op(")") {
                self.skip_expr();
                if !self.eat_op(",") && !self.is_op(")") && self.pos == before {
                    break;
                }
            }
        }
        if !self.eat_op(")") {
            // Unbalanced: give up on this argument list.
            self.skip_expr();
            self.eat_op(")");
        }
        out
    }

    fn brace_init(&mut self) -> Vec<Expr> {
        let mut out = Vec::new();
        if !self.eat_op("{") {
            return out;
        }
        while !self.at_end() && !self.is_op("}") {
            let before = self.pos;
            let e = self.expr();
            if self.eat_op("=>") {
                let v = self.expr();
                out.push(e);
                out.push(v);
            } else {
                out.push(e);
            }
            if !self.eat_op(",") && !self.is_op("}") {
                self.skip_expr();
                if !self.eat_op(",") && self.pos == before {
                    break;
                }
            }
        }
        if !self.eat_op("}") {
            self.skip_statement();
        }
        out
    }

    fn primary(&mut self) -> Expr {
        let line = self.line();
        let start = self.start();
        let Some(t) = self.peek().copied() else {
            return self.unknown_expr();
        };
        let kind = match t.kind {
            TokenKind::Number => {
                self.pos += 1;
                let s = self.text(&t).trim_end_matches(['l', 'L', 'd', 'D']);
                ExprKind::Num(s.parse::<f64>().unwrap_or(0.0))
            }
            TokenKind::Str => {
                self.pos += 1;
                ExprKind::Str(unescape(self.text(&t)))
            }
            TokenKind::Soql | TokenKind::Sosl => {
                self.pos += 1;
                ExprKind::Query {
                    text: self.text(&t).to_string(),
                    sosl: t.kind == TokenKind::Sosl,
                }
            }
            TokenKind::Keyword(Kw::Null) => {
                self.pos += 1;
                ExprKind::Null
            }
            TokenKind::Keyword(Kw::True) => {
                self.pos += 1;
                ExprKind::Bool(true)
            }
            TokenKind::Keyword(Kw::False) => {
                self.pos += 1;
                ExprKind::Bool(false)
            }
            TokenKind::Keyword(Kw::This) => {
                self.pos += 1;
                if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(None, "this".into(), args)
                } else {
                    ExprKind::This
                }
            }
            TokenKind::Keyword(Kw::Super) => {
                self.pos += 1;
                if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(None, "super".into(), args)
                } else {
                    ExprKind::Super
                }
            }
            TokenKind::Keyword(Kw::New) => {
                self.pos += 1;
                match self.parse_type() {
                    None => {
                        self.skip_expr();
                        ExprKind::Unknown
                    }
                    Some(mut ty) => {
                        let mut args = Vec::new();
                        let mut init = Vec::new();
                        if self.is_op("(") {
                            args = self.args();
                        } else if self.is_op("[") {
                            // `new T[n]` / `new T[]{…}`
                            self.skip_group();
                            ty.array = true;
                        }
                        if self.is_op("{") {
                            init = self.brace_init();
                        }
                        ExprKind::New(ty, args, init)
                    }
                }
            }
            TokenKind::Ident if self.type_literal_ahead() => {
                // `List<T>.class`, `Map<K, V>.class`, `X[].class`: a type literal. Read as the
                // `class` member of the type's name, like `Account.class`.
                let ty = self.parse_type().unwrap_or_default();
                let end = self.prev_end().max(start);
                self.pos += 1; // `.`
                let member = self.member_name().unwrap_or_default();
                ExprKind::Field(
                    Box::new(Expr {
                        kind: ExprKind::Name(ty.name),
                        line,
                        start,
                        end,
                    }),
                    member,
                )
            }
            TokenKind::Ident => {
                self.pos += 1;
                let name = self.text(&t).to_string();
                if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(None, name, args)
                } else {
                    ExprKind::Name(name)
                }
            }
            TokenKind::Op("(") => {
                self.pos += 1;
                let e = self.expr();
                if !self.eat_op(")") {
                    self.skip_expr();
                    self.eat_op(")");
                }
                return e;
            }
            _ => {
                // Not an expression start; consume nothing here (the caller recovers), except for
                // tokens that can never start a statement either.
                if matches!(
                    t.kind,
                    TokenKind::Unknown | TokenKind::Annotation | TokenKind::Keyword(_)
                ) {
                    self.pos += 1;
                }
                ExprKind::Unknown
            }
        };
        Expr {
            kind,
            line,
            start,
            end: self.prev_end().max(start),
        }
    }

    /// A generic or array type followed by `.class` starts here (without consuming anything).
    fn type_literal_ahead(&mut self) -> bool {
        if !(self.is_op_at(1, "<") || (self.is_op_at(1, "[") && self.is_op_at(2, "]"))) {
            return false;
        }
        let save = self.pos;
        let ok = self.parse_type().is_some()
            && self.is_op(".")
            && self
                .peek_at(1)
                .is_some_and(|t| self.text(t).eq_ignore_ascii_case("class"));
        self.pos = save;
        ok
    }

    fn postfix(&mut self, mut e: Expr) -> Expr {
        let base = self.depth;
        loop {
            // Each link nests the tree one level deeper: count it against the depth budget.
            if self.depth > MAX_DEPTH + CHAIN_ALLOWANCE {
                self.skip_expr();
                break;
            }
            self.depth += 1;
            let start = e.start;
            let line = e.line;
            if self.is_op(".") || self.is_op("?.") {
                self.pos += 1;
                let Some(name) = self.member_name() else {
                    break;
                };
                let kind = if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(Some(Box::new(e)), name, args)
                } else {
                    ExprKind::Field(Box::new(e), name)
                };
                e = Expr {
                    kind,
                    line,
                    start,
                    end: self.prev_end().max(start),
                };
            } else if self.is_op("[") {
                self.pos += 1;
                let idx = self.expr();
                if !self.eat_op("]") {
                    self.skip_expr();
                    self.eat_op("]");
                }
                e = self.wrap(
                    start,
                    line,
                    |b| ExprKind::Index(Box::new(b), Box::new(idx)),
                    e,
                );
            } else if self.is_op("++") || self.is_op("--") {
                let op = if self.is_op("++") { "++" } else { "--" };
                self.pos += 1;
                e = self.wrap(start, line, |b| ExprKind::Postfix(op, Box::new(b)), e);
            } else {
                break;
            }
        }
        self.depth = base;
        e
    }
}
