//! The parsed formula: every node carries the byte span of its source text.

use serde::Serialize;

/// Byte offsets `[start, end)` into the formula text. Always on UTF-8 character boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    /// The source text of the span ("" if it does not fit `src`).
    pub fn text(self, src: &str) -> &str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
    /// `!x`, the operator form of NOT.
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Pow,
    Mul,
    Div,
    Add,
    Sub,
    /// `&`, text concatenation.
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Pow => "^",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Concat => "&",
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// The root of a `$` global: `$User.Alias` → `User`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalKind {
    User,
    Profile,
    Permission,
    Setup,
    RecordType,
    Organization,
    Label,
    UserRole,
    Api,
    System,
    CustomMetadata,
    Site,
    Network,
    ObjectType,
    Resource,
    Action,
}

impl GlobalKind {
    pub fn from_name(name: &str) -> Option<GlobalKind> {
        const ALL: [(&str, GlobalKind); 16] = [
            ("$User", GlobalKind::User),
            ("$Profile", GlobalKind::Profile),
            ("$Permission", GlobalKind::Permission),
            ("$Setup", GlobalKind::Setup),
            ("$RecordType", GlobalKind::RecordType),
            ("$Organization", GlobalKind::Organization),
            ("$Label", GlobalKind::Label),
            ("$UserRole", GlobalKind::UserRole),
            ("$Api", GlobalKind::Api),
            ("$System", GlobalKind::System),
            ("$CustomMetadata", GlobalKind::CustomMetadata),
            ("$Site", GlobalKind::Site),
            ("$Network", GlobalKind::Network),
            ("$ObjectType", GlobalKind::ObjectType),
            ("$Resource", GlobalKind::Resource),
            ("$Action", GlobalKind::Action),
        ];
        ALL.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, k)| *k)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Text(String),
    Bool(bool),
    Null,
    /// A field of the record, possibly through relationships: `["Owner", "Profile", "Name"]`.
    Field(Vec<String>),
    /// `$Root.a.b`: the root kind and the segments after it, as written.
    Global {
        kind: GlobalKind,
        root: String,
        path: Vec<String>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// A function call; `name` is upper-cased, `name_span` is where the name is written.
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// The node's source text, including its parentheses when it was written in some.
    pub span: Span,
    /// Height of the subtree (a leaf is 1); the parser bounds it so evaluation recursion is
    /// bounded too.
    pub(crate) height: u32,
}

impl Expr {
    pub(crate) fn leaf(kind: ExprKind, span: Span) -> Expr {
        Expr {
            kind,
            span,
            height: 1,
        }
    }

    /// The direct sub-expressions, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Unary { operand, .. } => vec![operand],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Call { args, .. } => args.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Whether this node is a call of `name` (upper case).
    pub fn is_call(&self, name: &str) -> bool {
        matches!(&self.kind, ExprKind::Call { name: n, .. } if n == name)
    }
}
