//! Statements: blocks, locals, control flow (`if`, loops, `try`, `switch … when`), DML, and the
//! statement-level recovery that turns an unreadable statement into `StmtKind::Unknown`.

use super::{
    Catch, Expr, ExprKind, Parser, Stmt, StmtKind, TypeRef, WhenArm, WhenValues, MAX_DEPTH,
};
use crate::analysis::apex::lexer::{Kw, TokenKind};

impl Parser<'_> {
    /// `{ stmt* }` — the current token must be `{`.
    pub fn block(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        if !self.eat_op("{") {
            return out;
        }
        if self.depth > MAX_DEPTH {
            // Too deep: skip the rest of this block without descending.
            self.pos = self.pos.saturating_sub(1);
            self.skip_group();
            return out;
        }
        self.depth += 1;
        while !self.at_end() && !self.is_op("}") {
            let before = self.pos;
            out.push(self.stmt());
            if self.pos == before {
                self.pos += 1;
            }
        }
        self.depth -= 1;
        self.eat_op("}");
        out
    }

    fn mk(&self, kind: StmtKind, line: u32, start: usize) -> Stmt {
        Stmt {
            kind,
            line,
            start,
            end: self.prev_end().max(start),
        }
    }

    pub fn stmt(&mut self) -> Stmt {
        let line = self.line();
        let start = self.start();
        if self.depth > MAX_DEPTH {
            self.skip_statement();
            return self.mk(StmtKind::Unknown, line, start);
        }
        self.depth += 1;
        let kind = self.stmt_kind();
        self.depth -= 1;
        self.mk(kind, line, start)
    }

    fn paren_expr(&mut self) -> Expr {
        if self.eat_op("(") {
            let e = self.expr();
            if !self.eat_op(")") {
                self.skip_expr();
                self.eat_op(")");
            }
            e
        } else {
            self.expr()
        }
    }

    fn end_stmt(&mut self) {
        if !self.eat_op(";") {
            self.skip_statement();
        }
    }

    fn body_stmt(&mut self) -> Box<Stmt> {
        Box::new(self.stmt())
    }

    fn stmt_kind(&mut self) -> StmtKind {
        let Some(t) = self.peek().copied() else {
            return StmtKind::Empty;
        };
        match t.kind {
            TokenKind::Op("{") => StmtKind::Block(self.block()),
            TokenKind::Op(";") => {
                self.pos += 1;
                StmtKind::Empty
            }
            TokenKind::Keyword(Kw::If) => {
                self.pos += 1;
                let cond = self.paren_expr();
                let then = self.body_stmt();
                let els = if self.eat_kw(Kw::Else) {
                    Some(self.body_stmt())
                } else {
                    None
                };
                StmtKind::If(cond, then, els)
            }
            TokenKind::Keyword(Kw::For) => {
                self.pos += 1;
                self.for_rest()
            }
            TokenKind::Keyword(Kw::While) => {
                self.pos += 1;
                let cond = self.paren_expr();
                StmtKind::While(cond, self.body_stmt())
            }
            TokenKind::Keyword(Kw::Do) => {
                self.pos += 1;
                let body = self.body_stmt();
                let cond = if self.eat_kw(Kw::While) {
                    self.paren_expr()
                } else {
                    self.unknown_expr()
                };
                self.eat_op(";");
                StmtKind::DoWhile(body, cond)
            }
            TokenKind::Keyword(Kw::Try) => {
                self.pos += 1;
                let body = self.block();
                let mut catches = Vec::new();
                let mut finally = None;
                loop {
                    let cl = self.line();
                    if self.eat_kw(Kw::Catch) {
                        let mut ty = TypeRef::named("Exception");
                        let mut var = String::new();
                        if self.eat_op("(") {
                            self.eat_kw(Kw::Final);
                            if let Some(t) = self.parse_type() {
                                ty = t;
                            }
                            var = self.ident().unwrap_or_default();
                            if !self.eat_op(")") {
                                self.skip_expr();
                                self.eat_op(")");
                            }
                        }
                        let body = self.block();
                        catches.push(Catch {
                            ty,
                            var,
                            body,
                            line: cl,
                        });
                    } else if self.eat_kw(Kw::Finally) {
                        finally = Some(self.block());
                    } else {
                        break;
                    }
                }
                StmtKind::Try {
                    body,
                    catches,
                    finally,
                }
            }
            TokenKind::Keyword(Kw::Switch) => {
                self.pos += 1;
                self.eat_word("on");
                let subject = self.expr();
                let mut arms = Vec::new();
                if self.eat_op("{") {
                    while !self.at_end() && !self.is_op("}") {
                        let before = self.pos;
                        let line = self.line();
                        if self.eat_word("when") {
                            let values = if self.eat_kw(Kw::Else) {
                                WhenValues::Else
                            } else if self.peek().is_some_and(|t| t.kind == TokenKind::Ident)
                                && self.peek_at(1).is_some_and(|t| t.kind == TokenKind::Ident)
                            {
                                let ty = self.parse_type().unwrap_or_default();
                                let v = self.ident().unwrap_or_default();
                                WhenValues::Type(ty, v)
                            } else {
                                let mut vals = Vec::new();
                                loop {
                                    vals.push(self.expr());
                                    if !self.eat_op(",") {
                                        break;
                                    }
                                }
                                WhenValues::Values(vals)
                            };
                            let body = if self.is_op("{") {
                                self.block()
                            } else {
                                Vec::new()
                            };
                            arms.push(WhenArm { values, body, line });
                        } else {
                            self.skip_statement();
                        }
                        if self.pos == before {
                            self.pos += 1;
                        }
                    }
                    self.eat_op("}");
                }
                StmtKind::Switch { subject, arms }
            }
            TokenKind::Keyword(Kw::Return) => {
                self.pos += 1;
                let e = if self.is_op(";") {
                    None
                } else {
                    Some(self.expr())
                };
                self.end_stmt();
                StmtKind::Return(e)
            }
            TokenKind::Keyword(Kw::Throw) => {
                self.pos += 1;
                let e = self.expr();
                self.end_stmt();
                StmtKind::Throw(e)
            }
            TokenKind::Keyword(Kw::Break) => {
                self.pos += 1;
                self.end_stmt();
                StmtKind::Break
            }
            TokenKind::Keyword(Kw::Continue) => {
                self.pos += 1;
                self.end_stmt();
                StmtKind::Continue
            }
            TokenKind::Keyword(
                k @ (Kw::Insert | Kw::Update | Kw::Upsert | Kw::Delete | Kw::Undelete | Kw::Merge),
            ) if !self.is_op_at(1, ".") && !self.is_op_at(1, "=") => {
                // `insert(x);` is DML too: the DML words are reserved, so no method or
                // variable can be called `insert` and a `(` after one opens its operand.
                let _ = k;
                self.pos += 1;
                let op = self.text(&t).to_ascii_lowercase();
                let mut as_user = false;
                if self.is_word("as")
                    && (self.is_word_at(1, "user") || self.is_word_at(1, "system"))
                {
                    as_user = self.is_word_at(1, "user");
                    self.pos += 2;
                }
                let target = self.expr();
                // `upsert x Field__c;` / `merge a b;` — the rest is not needed.
                self.end_stmt();
                StmtKind::Dml {
                    op,
                    target,
                    as_user,
                }
            }
            TokenKind::Keyword(Kw::Final) => {
                self.pos += 1;
                self.stmt_kind()
            }
            TokenKind::Keyword(Kw::Class | Kw::Enum | Kw::Interface) => {
                // Local types are not allowed in Apex; skip.
                self.skip_statement();
                StmtKind::Unknown
            }
            _ => {
                if let Some(local) = self.try_local() {
                    self.end_stmt();
                    return local;
                }
                let e = self.expr();
                if matches!(e.kind, ExprKind::Unknown) {
                    self.skip_statement();
                    return StmtKind::Unknown;
                }
                self.end_stmt();
                StmtKind::Expr(e)
            }
        }
    }

    /// `Type name [= expr] (, name [= expr])*` if the tokens read that way; else rewinds.
    fn try_local(&mut self) -> Option<StmtKind> {
        let save = self.pos;
        if self.peek().map(|t| t.kind) != Some(TokenKind::Ident) {
            return None;
        }
        let ty = self.parse_type();
        let ok = ty.is_some()
            && self.peek().is_some_and(|t| t.kind == TokenKind::Ident)
            && (self.is_op_at(1, "=") || self.is_op_at(1, ";") || self.is_op_at(1, ","));
        if !ok {
            self.pos = save;
            return None;
        }
        let ty = ty.unwrap_or_default();
        let mut vars = Vec::new();
        while let Some(name) = self.ident() {
            let init = if self.eat_op("=") {
                Some(self.expr())
            } else {
                None
            };
            vars.push((name, init));
            if !self.eat_op(",") {
                break;
            }
        }
        Some(StmtKind::Local { ty, vars })
    }

    fn for_rest(&mut self) -> StmtKind {
        if !self.is_op("(") {
            return StmtKind::Unknown;
        }
        // For-each when a `:` appears at depth 1 before the closing `)` and no `;` does.
        let mut depth = 0i64;
        let mut colon = false;
        let mut k = self.pos;
        while let Some(t) = self.toks.get(k) {
            match t.kind {
                TokenKind::Op("(" | "[" | "{") => depth += 1,
                TokenKind::Op(")" | "]" | "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        break;
                    }
                }
                TokenKind::Op(";") if depth == 1 => break,
                TokenKind::Op(":") if depth == 1 => {
                    colon = true;
                    break;
                }
                _ => {}
            }
            k += 1;
        }
        self.pos += 1;
        if colon {
            let ty = self.parse_type().unwrap_or_default();
            let var = self.ident().unwrap_or_default();
            self.eat_op(":");
            let iter = self.expr();
            if !self.eat_op(")") {
                self.skip_expr();
                self.eat_op(")");
            }
            let body = self.body_stmt();
            return StmtKind::ForEach {
                ty,
                var,
                iter,
                body,
            };
        }
        let mut init = Vec::new();
        if !self.eat_op(";") {
            let line = self.line();
            let start = self.start();
            if let Some(l) = self.try_local() {
                init.push(self.mk(l, line, start));
            } else {
                loop {
                    let e = self.expr();
                    init.push(self.mk(StmtKind::Expr(e), line, start));
                    if !self.eat_op(",") {
                        break;
                    }
                }
            }
            if !self.eat_op(";") {
                self.skip_expr();
                self.eat_op(";");
            }
        }
        let cond = if self.is_op(";") {
            None
        } else {
            Some(self.expr())
        };
        if !self.eat_op(";") {
            self.skip_expr();
            self.eat_op(";");
        }
        let mut update = Vec::new();
        while !self.at_end() && !self.is_op(")") {
            let before = self.pos;
            update.push(self.expr());
            if !self.eat_op(",") {
                break;
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        if !self.eat_op(")") {
            self.skip_expr();
            self.eat_op(")");
        }
        let body = self.body_stmt();
        StmtKind::For {
            init,
            cond,
            update,
            body,
        }
    }
}
