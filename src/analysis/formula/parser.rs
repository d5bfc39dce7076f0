//! Precedence-climbing parser. Salesforce precedence, loosest first:
//! `||`; `&&`; comparisons `= == != <> < <= > >=`; `+ - &`; `* /`; unary `- + !`; `^`.
//! Binary operators are left-associative (`^` too).

use super::ast::{BinOp, Expr, ExprKind, GlobalKind, Span, UnaryOp};
use super::functions;
use super::lexer::{lex, Tok, Token};
use super::FormulaError;

/// Deepest nesting (parentheses, calls, operator chains) accepted; deeper is a formula error.
pub const MAX_DEPTH: u32 = 256;
/// Longest formula text accepted, in bytes. Salesforce caps a validation rule's formula at
/// 3,900 characters; this leaves room for flow formulas and never lets input size hurt.
pub const MAX_LEN: usize = 100_000;

const UNARY_BP: u8 = 11;

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    src: &'a str,
    nest: u32,
}

pub fn parse(src: &str) -> Result<Expr, FormulaError> {
    if src.len() > MAX_LEN {
        return Err(FormulaError::new(
            format!(
                "Formula is too long ({} bytes; at most {} are analysed, and Salesforce allows 3,900 characters in a validation rule)",
                src.len(),
                MAX_LEN
            ),
            Span::new(0, 0),
        ));
    }
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(FormulaError::new(
            "Syntax error. The formula is empty",
            Span::new(0, src.len()),
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        src,
        nest: 0,
    };
    let e = p.expr(0)?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(FormulaError::new(
            format!("Syntax error. Extra '{}'", t.tok.describe()),
            t.span,
        ));
    }
    Ok(e)
}

fn infix(t: &Tok) -> Option<(BinOp, u8, u8)> {
    Some(match t {
        Tok::OrOr => (BinOp::Or, 1, 2),
        Tok::AndAnd => (BinOp::And, 3, 4),
        Tok::Eq => (BinOp::Eq, 5, 6),
        Tok::Ne => (BinOp::Ne, 5, 6),
        Tok::Lt => (BinOp::Lt, 5, 6),
        Tok::Le => (BinOp::Le, 5, 6),
        Tok::Gt => (BinOp::Gt, 5, 6),
        Tok::Ge => (BinOp::Ge, 5, 6),
        Tok::Plus => (BinOp::Add, 7, 8),
        Tok::Minus => (BinOp::Sub, 7, 8),
        Tok::Amp => (BinOp::Concat, 7, 8),
        Tok::Star => (BinOp::Mul, 9, 10),
        Tok::Slash => (BinOp::Div, 9, 10),
        Tok::Caret => (BinOp::Pow, 13, 14),
        _ => return None,
    })
}

fn too_deep(span: Span) -> FormulaError {
    FormulaError::new(
        format!("Formula is too complex: nested more than {MAX_DEPTH} levels deep"),
        span,
    )
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn end_span(&self) -> Span {
        Span::new(self.src.len(), self.src.len())
    }

    fn here(&self) -> Span {
        self.peek()
            .map(|t| t.span)
            .unwrap_or_else(|| self.end_span())
    }

    fn node(&self, kind: ExprKind, span: Span, children_height: u32) -> Result<Expr, FormulaError> {
        let height = children_height + 1;
        if height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        Ok(Expr { kind, span, height })
    }

    fn expr(&mut self, min_bp: u8) -> Result<Expr, FormulaError> {
        self.nest += 1;
        if self.nest > MAX_DEPTH {
            return Err(too_deep(self.here()));
        }
        let mut lhs = self.prefix()?;
        while let Some(t) = self.peek() {
            let Some((op, lbp, rbp)) = infix(&t.tok) else {
                break;
            };
            if lbp < min_bp {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(rbp)?;
            let span = lhs.span.to(rhs.span);
            let h = lhs.height.max(rhs.height);
            lhs = self.node(
                ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
                h,
            )?;
        }
        self.nest -= 1;
        Ok(lhs)
    }

    fn prefix(&mut self) -> Result<Expr, FormulaError> {
        let Some(t) = self.peek().cloned() else {
            return Err(FormulaError::new(
                "Syntax error. Missing expression",
                self.end_span(),
            ));
        };
        self.pos += 1;
        match t.tok {
            Tok::Number(n) => Ok(Expr::leaf(ExprKind::Number(n), t.span)),
            Tok::Text(s) => Ok(Expr::leaf(ExprKind::Text(s), t.span)),
            Tok::Minus | Tok::Plus | Tok::Bang => {
                let op = match t.tok {
                    Tok::Minus => UnaryOp::Neg,
                    Tok::Plus => UnaryOp::Plus,
                    _ => UnaryOp::Not,
                };
                let operand = self.expr(UNARY_BP)?;
                let span = t.span.to(operand.span);
                let h = operand.height;
                self.node(
                    ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                    span,
                    h,
                )
            }
            Tok::LParen => {
                let mut inner = self.expr(0)?;
                match self.peek() {
                    Some(Token {
                        tok: Tok::RParen,
                        span,
                    }) => {
                        inner.span = t.span.to(*span);
                        self.pos += 1;
                        Ok(inner)
                    }
                    Some(other) => Err(FormulaError::new(
                        format!("Syntax error. Extra '{}'", other.tok.describe()),
                        other.span,
                    )),
                    None => Err(FormulaError::new(
                        "Syntax error. Missing ')'",
                        self.end_span(),
                    )),
                }
            }
            Tok::Ident(segs) => {
                let is_call = matches!(
                    self.peek(),
                    Some(Token {
                        tok: Tok::LParen,
                        ..
                    })
                );
                if is_call {
                    return self.call(segs, t.span);
                }
                if segs.len() == 1 {
                    let lit = match segs.first().map(|s| s.to_ascii_uppercase()).as_deref() {
                        Some("TRUE") => Some(ExprKind::Bool(true)),
                        Some("FALSE") => Some(ExprKind::Bool(false)),
                        Some("NULL") => Some(ExprKind::Null),
                        _ => None,
                    };
                    if let Some(k) = lit {
                        return Ok(Expr::leaf(k, t.span));
                    }
                }
                Ok(Expr::leaf(ExprKind::Field(segs), t.span))
            }
            Tok::Global(segs) => {
                let root = segs.first().cloned().unwrap_or_default();
                let Some(kind) = GlobalKind::from_name(&root) else {
                    return Err(FormulaError::new(
                        format!("Field {} does not exist. Check spelling.", segs.join(".")),
                        t.span,
                    ));
                };
                if segs.len() < 2 {
                    return Err(FormulaError::new(
                        format!("Syntax error. Missing field name after {root}"),
                        t.span,
                    ));
                }
                if matches!(
                    self.peek(),
                    Some(Token {
                        tok: Tok::LParen,
                        ..
                    })
                ) {
                    return Err(FormulaError::new(
                        format!("Unknown function {}. Check spelling.", segs.join(".")),
                        t.span,
                    ));
                }
                Ok(Expr::leaf(
                    ExprKind::Global {
                        kind,
                        root,
                        path: segs.into_iter().skip(1).collect(),
                    },
                    t.span,
                ))
            }
            Tok::RParen => Err(FormulaError::new("Syntax error. Extra ')'", t.span)),
            Tok::Comma => Err(FormulaError::new("Syntax error. Extra ','", t.span)),
            other => Err(FormulaError::new(
                format!(
                    "Syntax error. Found '{}' where a value was expected",
                    other.describe()
                ),
                t.span,
            )),
        }
    }

    fn call(&mut self, segs: Vec<String>, name_span: Span) -> Result<Expr, FormulaError> {
        let written = segs.join(".");
        let upper = written.to_ascii_uppercase();
        let sig = match functions::lookup(&upper) {
            Some(sig) if segs.len() == 1 => sig,
            _ => {
                return Err(FormulaError::new(
                    format!("Unknown function {upper}. Check spelling."),
                    name_span,
                ))
            }
        };
        // The '('. (Each argument's `expr` call counts one nesting level.)
        self.pos += 1;
        let mut args = Vec::new();
        let end;
        if let Some(Token {
            tok: Tok::RParen,
            span,
        }) = self.peek()
        {
            end = *span;
            self.pos += 1;
        } else {
            loop {
                args.push(self.expr(0)?);
                match self.peek() {
                    Some(Token {
                        tok: Tok::Comma, ..
                    }) => {
                        self.pos += 1;
                    }
                    Some(Token {
                        tok: Tok::RParen,
                        span,
                    }) => {
                        end = *span;
                        self.pos += 1;
                        break;
                    }
                    Some(other) => {
                        return Err(FormulaError::new(
                            format!("Syntax error. Extra '{}'", other.tok.describe()),
                            other.span,
                        ))
                    }
                    None => {
                        return Err(FormulaError::new(
                            "Syntax error. Missing ')'",
                            self.end_span(),
                        ))
                    }
                }
            }
        }
        let span = name_span.to(end);
        if let Some(msg) = functions::arity_error(sig, args.len()) {
            return Err(FormulaError::new(msg, span));
        }
        let h = args.iter().map(|a| a.height).max().unwrap_or(0);
        self.node(
            ExprKind::Call {
                name: upper,
                name_span,
                args,
            },
            span,
            h,
        )
    }
}
