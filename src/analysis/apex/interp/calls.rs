//! Objects and calls: constructors, method dispatch into the provided classes, framework hooks,
//! addError.

use super::*;

impl<'p, 'a> Interp<'p, 'a> {
    pub(super) fn eval_new(
        &mut self,
        e: &'p Expr,
        ty: &'p TypeRef,
        args: &'p [Expr],
        init: &'p [Expr],
    ) -> Val {
        let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
        for i in init {
            self.eval(i);
        }
        if ty.array {
            return Val::Coll(init.is_empty());
        }
        let l = ty.simple().to_ascii_lowercase();
        if ty.is_collection() {
            if let Some(first) = argv.first() {
                return match first {
                    Val::RecordList => Val::RecordList,
                    Val::Coll(b) => Val::Coll(*b),
                    Val::Rows(..) => Val::Unknown(format!("`{}`", self.src(e))),
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                };
            }
            return Val::Coll(init.is_empty());
        }
        if l.ends_with("exception") {
            return Val::Exception(ty.name.clone());
        }
        if l == "http" || l == "httprequest" || l == "httpresponse" {
            return Val::Builtin(l);
        }
        let ctx = self.frames.last().and_then(|f| f.class);
        if let Some(ci) = self.prog.find_in_context(&ty.name, ctx) {
            return self.construct(ci, argv);
        }
        if is_sobject_type(&ty.name) {
            return Val::SObject(ty.name.clone());
        }
        if is_system_class(&ty.name) {
            return Val::Builtin(l);
        }
        let what = format!(
            "class {} (constructed at {}: `{}`) — its source was not provided",
            ty.name,
            self.loc(self.unit(), e.line),
            self.src(e)
        );
        self.add_unseen(what);
        Val::Unseen(ty.name.clone())
    }

    pub(super) fn construct(&mut self, ci: usize, args: Vec<Val>) -> Val {
        let prog = self.prog;
        if prog.classes.get(ci).is_some_and(|c| c.hidden) {
            let name = prog
                .classes
                .get(ci)
                .map(|c| c.full.clone())
                .unwrap_or_default();
            self.add_unseen(format!(
                "class {name} (a managed package class whose body is hidden)"
            ));
            return Val::Unseen(name);
        }
        let o = self.objects.len();
        if o > 10_000 {
            return Val::Unknown(String::new());
        }
        self.objects.push(ObjState {
            class: ci,
            fields: BTreeMap::new(),
        });
        let (chain, _) = prog.chain(ci);
        // Declare every instance field first (so stores find them), then run initialisers.
        for &k in chain.iter().rev() {
            let Some(info) = prog.classes.get(k) else {
                continue;
            };
            for f in info.decl.fields.iter().filter(|f| !f.is_static) {
                if let Some(s) = self.objects.get_mut(o) {
                    s.fields.insert(
                        f.name.to_ascii_lowercase(),
                        Val::Null(NullWhy::Plain(format!("`{}` is not initialised", f.name))),
                    );
                }
            }
        }
        for &k in chain.iter().rev() {
            let Some(info) = prog.classes.get(k) else {
                continue;
            };
            self.frames
                .push(Frame::enter(info.unit, Some(k), Some(o), self.guards.len()));
            for f in info.decl.fields.iter().filter(|f| !f.is_static) {
                if let Some(init) = &f.init {
                    let v = self.eval(init);
                    if let Some(s) = self.objects.get_mut(o) {
                        s.fields.insert(f.name.to_ascii_lowercase(), v);
                    }
                }
            }
            self.exec_block(&info.decl.instance_init);
            self.frames.pop();
        }
        self.run_ctor(ci, o, args, 0);
        Val::Obj(o)
    }

    pub(super) fn run_ctor(&mut self, ci: usize, o: usize, args: Vec<Val>, depth: u32) {
        if depth > 8 || self.frames.len() > MAX_CALL_DEPTH + 8 {
            return;
        }
        let prog = self.prog;
        let Some(info) = prog.classes.get(ci) else {
            return;
        };
        let ctor = info
            .decl
            .ctors
            .iter()
            .find(|c| c.params.len() == args.len())
            .or_else(|| info.decl.ctors.first());
        let parent = match prog.parent(ci) {
            Some(Ok(p)) => Some(p),
            _ => None,
        };
        let Some(ctor) = ctor else {
            if let Some(p) = parent {
                self.run_ctor(p, o, Vec::new(), depth + 1);
            }
            return;
        };
        let body = ctor.body.as_deref().unwrap_or(&[]);
        self.frames.push(Frame::enter(
            info.unit,
            Some(ci),
            Some(o),
            self.guards.len(),
        ));
        for (i, p) in ctor.params.iter().enumerate() {
            let v = args.get(i).cloned().unwrap_or(Val::Unknown(String::new()));
            self.declare(&p.name, Some(p.ty.clone()), v);
        }
        let mut rest = body;
        let mut explicit = false;
        if let Some(first) = body.first() {
            if let StmtKind::Expr(Expr {
                kind: ExprKind::Call(None, n, a),
                ..
            }) = &first.kind
            {
                if n == "super" || n == "this" {
                    explicit = true;
                    let av: Vec<Val> = a.iter().map(|x| self.eval(x)).collect();
                    if n == "super" {
                        if let Some(p) = parent {
                            self.run_ctor(p, o, av, depth + 1);
                        }
                    } else {
                        self.run_ctor(ci, o, av, depth + 1);
                    }
                    rest = body.get(1..).unwrap_or(&[]);
                }
            }
        }
        if !explicit {
            if let Some(p) = parent {
                self.run_ctor(p, o, Vec::new(), depth + 1);
            }
        }
        self.exec_block(rest);
        self.frames.pop();
    }

    /// Call method `mi` of class `ci` with `this` and arguments.
    pub(super) fn invoke(
        &mut self,
        ci: usize,
        mi: usize,
        this: Option<usize>,
        args: Vec<Val>,
        call: &'p Expr,
    ) -> Val {
        let prog = self.prog;
        let Some(info) = prog.classes.get(ci) else {
            return Val::Unknown(String::new());
        };
        let Some(m) = prog.method(ci, mi) else {
            return Val::Unknown(String::new());
        };
        let label = format!("{}.{}()", info.full, m.name);
        if info.hidden {
            self.add_unseen(format!(
                "{label} (a managed package class whose body is hidden)"
            ));
            return Val::Unknown(format!("the result of {label}, whose code is hidden"));
        }
        if m.annotations.iter().any(|a| a == "future") {
            self.site(
                call.line,
                SiteKind::AsyncJob,
                Risk::Harmless,
                format!("{label} is @future: it runs after the insert commits, so its failures do not undo the insert"),
                None,
            );
            return Val::Unknown(String::new());
        }
        if self.call_stack.contains(&(ci, mi)) {
            return Val::Unknown(format!("the result of {label} (recursive)"));
        }
        if self.call_stack.len() >= MAX_CALL_DEPTH {
            self.add_unseen(format!(
                "{label} and what it calls (more than {MAX_CALL_DEPTH} calls deep)"
            ));
            return Val::Unknown(format!("the result of {label}"));
        }
        let Some(body) = m.body.as_deref() else {
            return Val::Unknown(format!("the result of {label} (abstract)"));
        };
        if self.frames.len() <= 1 {
            let text = self.src(call);
            self.site(
                call.line,
                SiteKind::Call,
                Risk::Harmless,
                format!(
                    "`{text}` is followed into {label} ({})",
                    self.loc(info.unit, m.line)
                ),
                None,
            );
        }
        self.call_stack.push((ci, mi));
        self.frames
            .push(Frame::enter(info.unit, Some(ci), this, self.guards.len()));
        for (i, p) in m.params.iter().enumerate() {
            let v = args.get(i).cloned().unwrap_or(Val::Unknown(String::new()));
            self.declare(&p.name, Some(p.ty.clone()), v);
        }
        self.exec_block(body);
        let f = self.frames.pop();
        self.call_stack.pop();
        let (returns, whens) = f.map(|f| (f.returns, f.whens)).unwrap_or_default();
        match returns.split_first() {
            None => Val::Unknown(format!("the result of {label}")),
            Some((first, rest)) => {
                if rest.iter().all(|r| r == first) {
                    first.clone()
                } else if let Some((v, when)) = returns
                    .iter()
                    .zip(&whens)
                    .find(|(v, w)| !w.is_empty() && matches!(v, Val::Bool(_) | Val::Num(_)))
                {
                    // A flag or count decided inside: name the path that gives the first value.
                    let v = match v {
                        Val::Bool(b) => b.to_string(),
                        Val::Num(n) => n.to_string(),
                        _ => String::new(),
                    };
                    Val::Unknown(format!("{label} returns {v} only when {}", clip(when, 300)))
                } else {
                    Val::Unknown(format!(
                        "the result of {label}, which depends on conditions inside it"
                    ))
                }
            }
        }
    }

    /// The handler hooks for the current event, run when the dispatching framework is not
    /// provided.
    pub(super) fn run_hooks(
        &mut self,
        ci: usize,
        this: Option<usize>,
        framework: &str,
        call: &'p Expr,
    ) {
        let names: &[&str] = if self.event.before() {
            &[
                "beforeinsert",
                "onbeforeinsert",
                "handlebeforeinsert",
                "onapplydefaults",
            ]
        } else {
            &[
                "afterinsert",
                "onafterinsert",
                "handleafterinsert",
                "onvalidate",
            ]
        };
        let this = match this {
            Some(o) => Some(o),
            None => {
                // Build the handler with list arguments bound to Trigger.new.
                let args: Vec<Val> = self
                    .prog
                    .classes
                    .get(ci)
                    .and_then(|c| c.decl.ctors.first())
                    .map(|c| {
                        c.params
                            .iter()
                            .map(|p| {
                                if p.ty.is_collection() {
                                    Val::RecordList
                                } else {
                                    Val::Unknown(String::new())
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match self.construct(ci, args) {
                    Val::Obj(o) => Some(o),
                    _ => None,
                }
            }
        };
        let cname = self
            .prog
            .classes
            .get(ci)
            .map(|c| c.full.clone())
            .unwrap_or_default();
        for n in names {
            if let Some((k, mi)) = self
                .prog
                .find_method(ci, n, 0)
                .or_else(|| self.prog.find_method(ci, n, 1))
            {
                let mname = self
                    .prog
                    .method(k, mi)
                    .map(|m| m.name.clone())
                    .unwrap_or_default();
                let why = format!(
                    "{framework} (not provided) calls {cname}.{mname}() for {}",
                    self.event.label()
                );
                self.push_guard(
                    call.line,
                    format!("{framework} dispatches to {cname}.{mname}()"),
                    true,
                    GuardValue::Unknown,
                    why,
                );
                let arity = self.prog.method(k, mi).map(|m| m.params.len()).unwrap_or(0);
                let args = vec![Val::RecordList; arity];
                self.invoke(k, mi, this, args, call);
                self.guards.pop();
            }
        }
    }

    pub(super) fn eval_call(
        &mut self,
        e: &'p Expr,
        target: Option<&'p Expr>,
        name: &'p str,
        args: &'p [Expr],
    ) -> Val {
        let lname = name.to_ascii_lowercase();
        if lname == "adderror" {
            if let Some(t) = target {
                return self.add_error(e, t, args);
            }
        }
        if let (Some(t), Some(k), "put", 0) = (target, args.first(), lname.as_str(), self.dead) {
            let squash = |s: String| -> String {
                s.split_whitespace()
                    .collect::<String>()
                    .to_ascii_lowercase()
            };
            self.put_keys
                .insert((squash(self.src(t)), squash(self.src(k))));
        }
        let Some(t) = target else {
            let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
            if lname == "this" || lname == "super" {
                return Val::Unknown(String::new());
            }
            let fr_this = self.frames.last().and_then(|f| f.this);
            let fr_class = self.frames.last().and_then(|f| f.class);
            let dyn_class = fr_this
                .and_then(|o| self.objects.get(o))
                .map(|s| s.class)
                .or(fr_class);
            if let Some(dc) = dyn_class {
                if let Some((k, mi)) = self.prog.find_method(dc, name, args.len()) {
                    return self.invoke(k, mi, fr_this, argv, e);
                }
                let (_, missing) = self.prog.chain(dc);
                if let Some(base) = missing {
                    return self.unseen_call(&base, name, e, Some(dc), fr_this);
                }
            }
            return Val::Unknown(format!("the result of `{}`", self.src(e)));
        };
        let recv = self.eval(t);
        if lname == "newinstance" && args.is_empty() {
            if let Some(v) = self.new_instance(t, &recv) {
                return v;
            }
        }
        match recv {
            Val::Type(ty) if ty.eq_ignore_ascii_case("Trigger") => Val::Unknown(String::new()),
            Val::Dynamic(d) => {
                for a in args {
                    self.eval(a);
                }
                let note = format!(
                    "`{}` runs {d}, picked at run time: which class that is, and whether it throws, depends on data the analyser cannot see; an exception from it stops the insert",
                    self.src(e)
                );
                self.may_throw(e.line, SiteKind::Call, note, Some("Exception"));
                Val::Unknown(format!("the result of {d}"))
            }
            // `X.class.getName()`: the type's name, so `Type.forName(name + '.Constructor')`
            // resolves in the code.
            Val::Type(ty) if lname == "getname" && args.is_empty() && self.type_name_call(&ty) => {
                Val::Text(ty)
            }
            Val::Type(ty) => {
                let ctx = self.frames.last().and_then(|f| f.class);
                if let Some(ci) = self.prog.find_in_context(&ty, ctx) {
                    let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                    if let Some((k, mi)) = self.prog.find_method(ci, name, args.len()) {
                        return self.invoke(k, mi, None, argv, e);
                    }
                    let (_, missing) = self.prog.chain(ci);
                    if let Some(base) = missing {
                        return self.unseen_call(&base, name, e, None, None);
                    }
                    return Val::Unknown(format!("the result of `{}`", self.src(e)));
                }
                self.builtin_static(e, &ty, &lname, args)
            }
            Val::Obj(o) => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                // `super.m()` starts the lookup at the parent of the running method's class.
                let cls = if matches!(t.kind, ExprKind::Super) {
                    match self
                        .frames
                        .last()
                        .and_then(|f| f.class)
                        .and_then(|c| self.prog.parent(c))
                    {
                        Some(Ok(p)) => Some(p),
                        _ => None,
                    }
                } else {
                    self.objects.get(o).map(|s| s.class)
                };
                if let Some(ci) = cls {
                    if let Some((k, mi)) = self.prog.find_method(ci, name, args.len()) {
                        return self.invoke(k, mi, Some(o), argv, e);
                    }
                    let (_, missing) = self.prog.chain(ci);
                    if let Some(base) = missing {
                        return self.unseen_call(&base, name, e, Some(ci), Some(o));
                    }
                }
                Val::Unknown(format!("the result of `{}`", self.src(e)))
            }
            Val::Unseen(cls) => {
                for a in args {
                    self.eval(a);
                }
                let what = format!(
                    "{cls}.{name}() (called at {}) — class {cls} was not provided",
                    self.loc(self.unit(), e.line)
                );
                self.add_unseen(what);
                Val::Unknown(format!(
                    "the result of {cls}.{name}(), whose code was not provided"
                ))
            }
            Val::Builtin(b) => {
                for a in args {
                    self.eval(a);
                }
                if b == "http" && lname == "send" {
                    let note = format!(
                        "`{}` makes an HTTP callout in trigger context: callouts are not allowed while the insert is in progress (CalloutException: 'Callout from triggers are currently not supported') unless moved to @future(callout=true) or a Queueable",
                        self.src(e)
                    );
                    self.may_throw(e.line, SiteKind::Callout, note, Some("CalloutException"));
                }
                Val::Unknown(String::new())
            }
            Val::Record => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                match lname.as_str() {
                    "getsobjecttype" => sobject_token("MessagingSession"),
                    "get" => match argv.first() {
                        Some(Val::Text(f)) => {
                            let f = f.clone();
                            let text = self.src(e);
                            self.record_field(&f, &text)
                        }
                        _ => Val::Unknown(format!("`{}`", self.src(e))),
                    },
                    "put" => {
                        if !self.event.before() {
                            let note = format!(
                                "`{}` writes a field of a Trigger.new record in after insert, where the records are read-only: FinalException",
                                self.src(e)
                            );
                            self.site(
                                e.line,
                                SiteKind::ReadOnlyWrite,
                                Risk::Blocks,
                                note,
                                Some("FinalException"),
                            );
                        } else if let (Some(Val::Text(f)), Some(v)) = (argv.first(), argv.get(1)) {
                            let v = if self.uncertain_since(0) {
                                Val::Unknown(String::new())
                            } else {
                                v.clone()
                            };
                            self.overlay.insert(f.to_ascii_lowercase(), v);
                        }
                        Val::Unknown(String::new())
                    }
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::RecordList => {
                for a in args {
                    self.eval(a);
                }
                match lname.as_str() {
                    "get" => Val::Record,
                    "size" => Val::Num(1.0),
                    "isempty" => Val::Bool(false),
                    // A shallow copy holds the same records (deepClone copies them).
                    "clone" => Val::RecordList,
                    "getsobjecttype" => sobject_token("MessagingSession"),
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::RecordMap => {
                for a in args {
                    self.eval(a);
                }
                match lname.as_str() {
                    "values" => Val::RecordList,
                    "get" => Val::Record,
                    "size" => Val::Num(1.0),
                    "isempty" => Val::Bool(false),
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::Null(w) => {
                for a in args {
                    self.eval(a);
                }
                self.npe(&w, e);
                Val::Unknown(String::new())
            }
            Val::Text(s) => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                let arg_text = match argv.first() {
                    Some(Val::Text(x)) => Some(x.clone()),
                    _ => None,
                };
                match (lname.as_str(), arg_text) {
                    ("equals", Some(x)) => Val::Bool(s == x),
                    ("equalsignorecase", Some(x)) => Val::Bool(s.eq_ignore_ascii_case(&x)),
                    ("contains", Some(x)) => Val::Bool(s.contains(&x)),
                    ("containsignorecase", Some(x)) => {
                        Val::Bool(s.to_ascii_lowercase().contains(&x.to_ascii_lowercase()))
                    }
                    ("startswith", Some(x)) => Val::Bool(s.starts_with(&x)),
                    ("endswith", Some(x)) => Val::Bool(s.ends_with(&x)),
                    ("length", _) => Val::Num(s.chars().count() as f64),
                    ("tolowercase", _) => Val::Text(s.to_lowercase()),
                    ("touppercase", _) => Val::Text(s.to_uppercase()),
                    ("trim", _) => Val::Text(s.trim().to_string()),
                    ("isblank", _) => Val::Bool(s.trim().is_empty()),
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::Coll(_) if lname == "get" && self.missing_entry(t, args).is_some() => {
                for a in args {
                    self.eval(a);
                }
                self.missing_entry(t, args)
                    .unwrap_or(Val::Unknown(String::new()))
            }
            Val::Coll(empty) => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                match lname.as_str() {
                    "contains" | "containskey" if empty => Val::Bool(false),
                    "isempty" => {
                        if empty {
                            Val::Bool(true)
                        } else {
                            Val::Unknown(format!("whether `{}` is empty", self.src(t)))
                        }
                    }
                    "size" if empty => Val::Num(0.0),
                    "get" if args.len() == 1 => {
                        match self.put_vals.get(&self.map_key(t, &args[0])) {
                            Some(v) => v.clone(),
                            None => Val::Unknown(format!("the result of `{}`", self.src(e))),
                        }
                    }
                    "add" | "addall" | "put" | "putall" => {
                        if lname == "put" && args.len() == 2 {
                            let k = self.map_key(t, &args[0]);
                            match argv.get(1) {
                                Some(v) if !self.uncertain_since(0) => {
                                    self.put_vals.insert(k, v.clone());
                                }
                                _ => {
                                    self.put_vals.remove(&k);
                                }
                            }
                        }
                        let definite = !self.uncertain_since(self.frame_base());
                        let nv = match (argv.first(), empty, definite) {
                            (Some(Val::Record | Val::RecordList), true, true) => Val::RecordList,
                            (_, _, true) => Val::Coll(false),
                            _ => Val::Unknown(format!(
                                "`{}` gets items only on some paths (line {})",
                                self.src(t),
                                e.line
                            )),
                        };
                        self.store(t, nv);
                        Val::Unknown(String::new())
                    }
                    "clear" => {
                        self.store(t, Val::Coll(true));
                        Val::Unknown(String::new())
                    }
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::Enum(c) if lname == "name" => Val::Text(c),
            Val::Rows(obj, text, l) => {
                for a in args {
                    self.eval(a);
                }
                match lname.as_str() {
                    "get" if args.first().is_some_and(|a| self.checked_nonempty(t, a)) => {
                        Val::SObject(obj)
                    }
                    "get" => {
                        self.row_of_maybe_empty_query(e, "takes a row from", &text);
                        Val::SObject(obj)
                    }
                    "isempty" | "size" => Val::Unknown(if is_sobject_type(&obj) {
                        format!("whether the query at line {l} finds any {obj} record")
                    } else {
                        format!("whether the query at line {l} finds any row")
                    }),
                    _ => Val::Unknown(String::new()),
                }
            }
            _ => {
                for a in args {
                    self.eval(a);
                }
                // `map.get(k)` / `list.get(i)` on a local declared as a collection of records.
                if lname == "get" {
                    if let Some(obj) = self.sobject_element(t) {
                        return Val::SObject(obj);
                    }
                    if let Some(v) = self.missing_entry(t, args) {
                        return v;
                    }
                }
                // Methods that change a local collection make its contents unknown.
                if matches!(lname.as_str(), "add" | "addall" | "put" | "putall") {
                    let src = self.src(t);
                    self.store(
                        t,
                        Val::Unknown(format!("`{src}` gets items at line {}", e.line)),
                    );
                }
                Val::Unknown(format!("the result of `{}`", self.src(e)))
            }
        }
    }

    /// `get(key)` that returns null when the key is absent: a record type looked up by name
    /// (`…getRecordTypeInfosByDeveloperName().get('X')`) or a map of non-record values. `None`
    /// for anything else.
    pub(super) fn missing_entry(&self, t: &Expr, args: &[Expr]) -> Option<Val> {
        let key = args.first().map(|a| self.src(a))?;
        if let ExprKind::Call(_, m, _) = &t.kind {
            let m = m.to_ascii_lowercase();
            if m.starts_with("getrecordtypeinfosby") {
                let obj = self
                    .src(t)
                    .split('.')
                    .find(|s| is_sobject_type(s) && !s.eq_ignore_ascii_case("sobjecttype"))
                    .map(|s| format!(" on {s}"))
                    .unwrap_or_default();
                return Some(Val::Null(NullWhy::When(format!(
                    "no record type {key} exists{obj} (or it is inactive)"
                ))));
            }
        }
        let squash = |s: String| -> String {
            s.split_whitespace()
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let pair = (squash(self.src(t)), squash(key.clone()));
        let checked = self.guards.iter().any(|g| {
            g.required
                && squash(g.cond.clone()).contains(&format!("{}.containskey({})", pair.0, pair.1))
        });
        if self.put_keys.contains(&pair) || checked {
            return None;
        }
        let ty = self.static_type_of(t)?;
        if ty.is("Map") && self.sobject_element(t).is_none() {
            return Some(Val::Null(NullWhy::When(format!(
                "`{}` has no entry for {key}",
                self.src(t)
            ))));
        }
        None
    }

    /// The `(map, key)` source texts of `map.put(key, …)` / `map.get(key)`, white space removed,
    /// lower case.
    pub(super) fn map_key(&self, map: &Expr, key: &Expr) -> (String, String) {
        let squash = |s: String| -> String {
            s.split_whitespace()
                .collect::<String>()
                .to_ascii_lowercase()
        };
        (squash(self.src(map)), squash(self.src(key)))
    }

    /// `t.newInstance()` on a `Type`: the named class when the code fixes the name and the class
    /// was provided; an instance of a class picked at run time when the name is data. `None`
    /// when `t` is not a `Type`.
    pub(super) fn new_instance(&mut self, t: &'p Expr, recv: &Val) -> Option<Val> {
        match recv {
            Val::Dynamic(_) | Val::Unseen(_) => Some(recv.clone()),
            Val::Type(ty) => {
                let ctx = self.frames.last().and_then(|f| f.class);
                let ci = self.prog.find_in_context(ty, ctx)?;
                Some(self.construct(ci, Vec::new()))
            }
            Val::Unknown(_) if self.static_type_of(t).is_some_and(|ty| ty.is("Type")) => Some(
                Val::Dynamic(format!("the class named by `{}`", clip(&self.src(t), 80))),
            ),
            _ => None,
        }
    }

    /// `ty.getName()` is `Type.getName()` on a type value, not a static method `getName` of a
    /// provided class or a platform class.
    pub(super) fn type_name_call(&self, ty: &str) -> bool {
        let ctx = self.frames.last().and_then(|f| f.class);
        let Some(ci) = self.prog.find_in_context(ty, ctx) else {
            return false;
        };
        self.prog.find_method(ci, "getName", 0).is_none()
    }

    pub(super) fn unseen_call(
        &mut self,
        base: &str,
        name: &str,
        e: &'p Expr,
        handler: Option<usize>,
        this: Option<usize>,
    ) -> Val {
        let what = format!(
            "class {base} (a base class whose `{name}()` is called at {}: `{}`) — its source was not provided",
            self.loc(self.unit(), e.line),
            self.src(e)
        );
        self.add_unseen(what);
        if let Some(h) = handler {
            self.run_hooks(h, this, base, e);
        }
        Val::Unknown(format!(
            "the result of {base}.{name}(), whose code was not provided"
        ))
    }

    pub(super) fn add_error(&mut self, e: &'p Expr, t: &'p Expr, args: &'p [Expr]) -> Val {
        for a in args {
            self.eval(a);
        }
        let msg = args.first().map(|a| self.src(a)).unwrap_or_default();
        // The receiver: the record, or a field of the record.
        let (on_record, field) = match &t.kind {
            ExprKind::Field(b, f) => {
                let bv = self.eval(b);
                if bv == Val::Record {
                    (Some(true), Some(f.clone()))
                } else {
                    let tv = self.eval(t);
                    match tv {
                        Val::Record => (Some(true), None),
                        Val::SObject(_) | Val::Rows(..) => (Some(false), None),
                        _ => (None, None),
                    }
                }
            }
            _ => match self.eval(t) {
                Val::Record => (Some(true), None),
                Val::RecordList => (Some(true), None),
                Val::SObject(_) | Val::Rows(..) | Val::Exception(_) | Val::Obj(_) => {
                    (Some(false), None)
                }
                Val::Unknown(_) | Val::Type(_) => {
                    let declared = self.static_type_of(t);
                    match declared {
                        Some(ty) if ty.is("MessagingSession") => (Some(true), None),
                        Some(ty) if is_sobject_type(&ty.name) && !ty.is("SObject") => {
                            (Some(false), None)
                        }
                        _ => (None, None),
                    }
                }
                _ => (None, None),
            },
        };
        let text = self.src(e);
        let on = match &field {
            Some(f) => format!("on field {f} of the record"),
            None => "on the record".to_string(),
        };
        match on_record {
            Some(true) => {
                let note = format!(
                    "`{text}` adds an error {on}: the platform's insert of the MessagingSession fails with this message ({})",
                    if msg.is_empty() { "no message".to_string() } else { msg }
                );
                self.site(e.line, SiteKind::AddError, Risk::Blocks, note, None);
            }
            Some(false) => {
                self.site(
                    e.line,
                    SiteKind::AddError,
                    Risk::Harmless,
                    format!(
                        "`{text}` marks another record, not the MessagingSession being inserted"
                    ),
                    None,
                );
            }
            None => {
                let note = format!(
                    "`{text}` adds an error to a record the analyser could not trace; it fails the insert if that record is the MessagingSession being inserted"
                );
                self.may_throw(e.line, SiteKind::AddError, note, None);
            }
        }
        Val::Unknown(String::new())
    }
}
