//! The program: the trigger and classes parsed once, class lookup by name and namespace,
//! inheritance chains.

use super::*;

// ===== program =================================================================================

pub(super) struct Unit<'a> {
    pub(super) name: String,
    pub(super) is_trigger: bool,
    pub(super) src: &'a str,
    pub(super) line_starts: Vec<usize>,
}

impl Unit<'_> {
    pub(super) fn new<'a>(name: String, is_trigger: bool, src: &'a str) -> Unit<'a> {
        let mut line_starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Unit {
            name,
            is_trigger,
            src,
            line_starts,
        }
    }
    pub(super) fn line_text(&self, line: u32) -> String {
        let idx = (line as usize).saturating_sub(1);
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.src.len());
        let t = self.src.get(start..end).unwrap_or("").trim();
        clip(t, 200)
    }
    pub(super) fn span(&self, start: usize, end: usize) -> String {
        let t = self.src.get(start..end).unwrap_or("");
        let collapsed = t.split_whitespace().collect::<Vec<_>>().join(" ");
        clip(&collapsed, 160)
    }
}

pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

pub(super) struct ClassInfo {
    /// Full name (`Outer.Inner`).
    pub(super) full: String,
    pub(super) simple: String,
    pub(super) ns: Option<String>,
    pub(super) unit: usize,
    pub(super) decl: ClassDecl,
    pub(super) outer: Option<usize>,
    pub(super) hidden: bool,
}

pub(super) struct Program<'a> {
    pub(super) units: Vec<Unit<'a>>,
    pub(super) classes: Vec<ClassInfo>,
}

impl Program<'_> {
    pub(super) fn find_class(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        // Exact full name, then `ns.Name` / `ns__Name`, then simple name.
        if let Some(i) = self
            .classes
            .iter()
            .position(|c| c.full.eq_ignore_ascii_case(name))
        {
            return Some(i);
        }
        let segs: Vec<&str> = name.split('.').collect();
        if segs.len() >= 2 {
            if let Some(first) = segs.first() {
                let rest = segs.get(1..).map(|s| s.join(".")).unwrap_or_default();
                if let Some(i) = self.classes.iter().position(|c| {
                    c.full.eq_ignore_ascii_case(&rest)
                        && c.ns
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(first))
                }) {
                    return Some(i);
                }
            }
        }
        None
    }

    pub(super) fn find_in_context(&self, name: &str, ctx: Option<usize>) -> Option<usize> {
        // Inner classes of the current class (and its outers) first.
        let mut c = ctx;
        let mut guard = 0;
        while let Some(ci) = c {
            guard += 1;
            if guard > 16 {
                break;
            }
            let Some(info) = self.classes.get(ci) else {
                break;
            };
            let cand = format!("{}.{}", info.full, name);
            if let Some(i) = self.find_class(&cand) {
                return Some(i);
            }
            c = info.outer;
        }
        self.find_class(name)
    }

    pub(super) fn parent(&self, ci: usize) -> Option<Result<usize, String>> {
        let info = self.classes.get(ci)?;
        let ext = info.decl.extends.as_ref()?;
        Some(
            self.find_in_context(&ext.name, info.outer)
                .filter(|&p| p != ci)
                .ok_or_else(|| ext.name.clone()),
        )
    }

    /// The class chain from `ci` up (self first). Stops at unprovided parents (returned as Err).
    pub(super) fn chain(&self, ci: usize) -> (Vec<usize>, Option<String>) {
        let mut out = vec![ci];
        let mut cur = ci;
        for _ in 0..16 {
            match self.parent(cur) {
                None => return (out, None),
                Some(Err(name)) => return (out, Some(name)),
                Some(Ok(p)) => {
                    if out.contains(&p) {
                        return (out, None);
                    }
                    out.push(p);
                    cur = p;
                }
            }
        }
        (out, None)
    }

    pub(super) fn find_method(
        &self,
        ci: usize,
        name: &str,
        arity: usize,
    ) -> Option<(usize, usize)> {
        let (chain, _) = self.chain(ci);
        for c in chain {
            let Some(info) = self.classes.get(c) else {
                continue;
            };
            let ms = &info.decl.methods;
            let exact = ms
                .iter()
                .position(|m| m.name.eq_ignore_ascii_case(name) && m.params.len() == arity);
            let any = ms.iter().position(|m| m.name.eq_ignore_ascii_case(name));
            if let Some(mi) = exact.or(any) {
                return Some((c, mi));
            }
        }
        None
    }

    pub(super) fn method(&self, ci: usize, mi: usize) -> Option<&MethodDecl> {
        self.classes.get(ci)?.decl.methods.get(mi)
    }
}

pub(super) fn flatten(
    out: &mut Vec<ClassInfo>,
    mut decl: ClassDecl,
    prefix: Option<&str>,
    ns: Option<String>,
    unit: usize,
    outer: Option<usize>,
) {
    let inner = std::mem::take(&mut decl.inner);
    let full = match prefix {
        Some(p) => format!("{p}.{}", decl.name),
        None => decl.name.clone(),
    };
    let idx = out.len();
    out.push(ClassInfo {
        full: full.clone(),
        simple: decl.name.clone(),
        ns: ns.clone(),
        unit,
        decl,
        outer,
        hidden: false,
    });
    for i in inner {
        flatten(out, i, Some(&full), ns.clone(), unit, Some(idx));
    }
}

pub(super) fn is_hidden(body: &str) -> bool {
    let t = body.trim();
    t.eq_ignore_ascii_case("(hidden)") || t.is_empty()
}
