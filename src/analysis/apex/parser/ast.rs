//! The syntax tree the parser builds and the interpreter walks: types, expressions, statements
//! and declarations, with line numbers and byte spans into the source for evidence.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeRef {
    /// Dotted name as written (`List`, `Schema.SObjectType`, `ns.Handler`).
    pub name: String,
    pub args: Vec<TypeRef>,
    pub array: bool,
}

impl TypeRef {
    pub fn named(name: &str) -> Self {
        TypeRef {
            name: name.to_string(),
            args: Vec::new(),
            array: false,
        }
    }
    /// Last segment of the name (`ns.Handler` → `Handler`).
    pub fn simple(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
    pub fn is(&self, name: &str) -> bool {
        self.simple().eq_ignore_ascii_case(name)
    }
    pub fn is_collection(&self) -> bool {
        self.array || self.is("List") || self.is("Set") || self.is("Map") || self.is("Iterable")
    }
    /// The element type of a collection (`List<Case>` → `Case`, `Map<Id, Case>` → `Case`).
    pub fn element(&self) -> Option<&TypeRef> {
        if self.array {
            return None;
        }
        if self.is("Map") {
            self.args.get(1)
        } else if self.is_collection() {
            self.args.first()
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub line: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Name(String),
    This,
    Super,
    /// `a.b` / `a?.b`.
    Field(Box<Expr>, String),
    /// `m(args)`, `a.m(args)`.
    Call(Option<Box<Expr>>, String, Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    /// `new T(args)` / `new T{init}` / `new T[]{init}`.
    New(TypeRef, Vec<Expr>, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Postfix(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// Three or more operands joined by left-associative arithmetic operators of one precedence
    /// (`'a' + b + 'c'`, `x * y / z`): `ops[i]` joins the fold so far with `operands[i + 1]`.
    /// Kept flat so that long generated concatenations (SOQL, JSON) have no nesting limit.
    Chain(Vec<Expr>, Vec<&'static str>),
    Assign(&'static str, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Cast(TypeRef, Box<Expr>),
    InstanceOf(Box<Expr>, TypeRef),
    Query {
        text: String,
        sosl: bool,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catch {
    pub ty: TypeRef,
    pub var: String,
    pub body: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WhenValues {
    Else,
    Values(Vec<Expr>),
    Type(TypeRef, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WhenArm {
    pub values: WhenValues,
    pub body: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Block(Vec<Stmt>),
    Local {
        ty: TypeRef,
        vars: Vec<(String, Option<Expr>)>,
    },
    Expr(Expr),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    ForEach {
        ty: TypeRef,
        var: String,
        iter: Expr,
        body: Box<Stmt>,
    },
    For {
        init: Vec<Stmt>,
        cond: Option<Expr>,
        update: Vec<Expr>,
        body: Box<Stmt>,
    },
    While(Expr, Box<Stmt>),
    DoWhile(Box<Stmt>, Expr),
    Try {
        body: Vec<Stmt>,
        catches: Vec<Catch>,
        finally: Option<Vec<Stmt>>,
    },
    Switch {
        subject: Expr,
        arms: Vec<WhenArm>,
    },
    Return(Option<Expr>),
    Throw(Expr),
    /// `insert x;` etc. `op` is lower-case; `as_user` for `insert as user x`.
    Dml {
        op: String,
        target: Expr,
        as_user: bool,
    },
    Break,
    Continue,
    Empty,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub ty: TypeRef,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MethodDecl {
    pub name: String,
    pub ret: TypeRef,
    pub params: Vec<Param>,
    pub is_static: bool,
    /// Annotation names without `@`, lower-case (`future`, `testvisible`, `invocablemethod`).
    pub annotations: Vec<String>,
    /// Source text of the annotations' arguments (e.g. `(callout=true)`), joined.
    pub body: Option<Vec<Stmt>>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: String,
    pub ty: TypeRef,
    pub is_static: bool,
    pub init: Option<Expr>,
    /// A property with accessor bodies (`{ get { … } set; }`).
    pub is_property: bool,
    /// The body of the `get` accessor, when it has one: reading the property runs it.
    pub getter: Option<Vec<Stmt>>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassDecl {
    pub name: String,
    pub extends: Option<TypeRef>,
    pub implements: Vec<TypeRef>,
    pub is_interface: bool,
    pub is_virtual_or_abstract: bool,
    pub sharing: Option<String>,
    pub methods: Vec<MethodDecl>,
    pub ctors: Vec<MethodDecl>,
    pub fields: Vec<FieldDecl>,
    pub inner: Vec<ClassDecl>,
    /// Enums declared in the class (their constants).
    pub enums: Vec<(String, Vec<String>)>,
    pub static_init: Vec<Stmt>,
    pub instance_init: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriggerDecl {
    pub name: String,
    pub object: String,
    /// Events as written, normalised to lower case with one space: `before insert`.
    pub events: Vec<String>,
    pub body: Vec<Stmt>,
    pub line: u32,
}
