//! What the page's documents hold: loader scripts, init calls and the places that run the
//! snippet's wrapper, read once per document in document order.
//!
//! A page decides how many of these there are (a hostile or broken one can hold a hundred
//! thousand init calls within the collector's caps), so the lists are bounded: the first
//! [`KEPT`] of each are kept, and after that only an item that changes what the checks
//! conclude (a family not seen yet, a second copy, a second deployment name, a second script).
//! Everything else is counted, for "and N more". The duplicate classification therefore reads
//! the same facts from the kept lists as it would from the whole page, and its cost stays
//! linear in the page's text.

use super::snippet::{self, Family};
use super::{script_position, Loader, LocatedInit, ScriptEvidence, WrapperRun};
use super::{DomEvidence, ResourceEvidence, EXPERIENCE_COMPONENT_TAG};

/// Most loaders, init calls and wrapper runs each kept in the report before only the items
/// that change a conclusion are kept.
pub const KEPT: usize = 200;

/// Most bytes of script text (inline scripts and `onload` attributes that name a snippet
/// function) tokenized per page. Text that names none is skipped after a substring search,
/// so this bounds the one costly step: in the shipped content script (wasm2js), tokenizing
/// runs at roughly 1–4 MB/s depending on the browser and the text. A real snippet is a few
/// hundred bytes; a page whose snippet-naming text exceeds this is reported as truncated.
pub const MAX_READ_BYTES: usize = 2 * 1024 * 1024;

/// What is left of [`MAX_READ_BYTES`] for the page and its frames.
#[derive(Debug, Clone)]
pub(super) struct ReadBudget {
    left: usize,
    /// A script that names a snippet function was left unread.
    pub cut: bool,
}

impl Default for ReadBudget {
    fn default() -> Self {
        ReadBudget {
            left: MAX_READ_BYTES,
            cut: false,
        }
    }
}

impl ReadBudget {
    /// Reads `text` if it names nothing (free) or fits what is left; `None` when it was cut.
    fn read(&mut self, text: &str) -> Option<snippet::ScriptRead> {
        if !snippet::mentions_snippet(text) {
            return Some(snippet::ScriptRead::default());
        }
        if text.len() > self.left {
            self.cut = true;
            return None;
        }
        self.left -= text.len();
        Some(snippet::read_script(text))
    }
}

/// One document of the page: the page itself or a same-origin frame.
pub(super) struct Doc<'a> {
    pub frame: Option<String>,
    pub scripts: &'a [ScriptEvidence],
    pub resources: &'a [ResourceEvidence],
    pub dom: &'a DomEvidence,
}

/// How many there were of each, kept or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Seen {
    /// Per family, in [`family_index`] order.
    pub loaders: [usize; FAMILIES],
    pub inits: [usize; FAMILIES],
    pub wrapper_runs: usize,
}

impl Seen {
    pub fn loaders_total(&self) -> usize {
        self.loaders.iter().sum()
    }
    pub fn inits_total(&self) -> usize {
        self.inits.iter().sum()
    }
    /// Loaders of the families `keep` accepts.
    pub fn loaders_of(&self, keep: impl Fn(Family) -> bool) -> usize {
        sum_of(&self.loaders, keep)
    }
    pub fn inits_of(&self, keep: impl Fn(Family) -> bool) -> usize {
        sum_of(&self.inits, keep)
    }
}

const FAMILIES: usize = 6;
const ALL: [Family; FAMILIES] = [
    Family::MiawV1,
    Family::EnhancedV2,
    Family::AgentforcePositional,
    Family::LegacyChat,
    Family::LegacyMenu,
    Family::ExperienceComponent,
];

fn family_index(f: Family) -> usize {
    match f {
        Family::MiawV1 => 0,
        Family::EnhancedV2 => 1,
        Family::AgentforcePositional => 2,
        Family::LegacyChat => 3,
        Family::LegacyMenu => 4,
        Family::ExperienceComponent => 5,
    }
}

fn sum_of(counts: &[usize; FAMILIES], keep: impl Fn(Family) -> bool) -> usize {
    ALL.iter()
        .zip(counts)
        .filter(|(f, _)| keep(**f))
        .map(|(_, n)| n)
        .sum()
}

/// A set of URLs by their 64-bit FNV-1a hash, open addressing: the page's loader URLs, to tell
/// a fetch of an element's loader from a loader with no element, in constant time per URL.
/// Made here rather than a std set because the content script is compiled to JS, where each
/// generic collection adds kilobytes. Two different URLs with one hash (about 1 in 10^19 per
/// pair) would count as one loader.
#[derive(Debug, Clone, Default)]
struct UrlSet {
    /// 0 is an empty slot (hashes are made odd); the length is 0 or a power of two.
    slots: Vec<u64>,
    len: usize,
}

impl UrlSet {
    fn hash(s: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h | 1
    }

    /// The slot holding `h`, or the empty one where it would go.
    fn slot(slots: &[u64], h: u64) -> usize {
        let mask = slots.len() - 1;
        let mut i = (h as usize) & mask;
        while slots.get(i).is_some_and(|&x| x != 0 && x != h) {
            i = (i + 1) & mask;
        }
        i
    }

    fn contains(&self, s: &str) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let h = Self::hash(s);
        self.slots.get(Self::slot(&self.slots, h)) == Some(&h)
    }

    fn insert(&mut self, s: &str) {
        self.insert_hash(Self::hash(s));
    }

    fn insert_hash(&mut self, h: u64) {
        // At most half full, so a free slot is always near.
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(16);
            let old = std::mem::replace(&mut self.slots, vec![0; size]);
            for x in old.into_iter().filter(|&x| x != 0) {
                let i = Self::slot(&self.slots, x);
                if let Some(slot) = self.slots.get_mut(i) {
                    *slot = x;
                }
            }
        }
        let i = Self::slot(&self.slots, h);
        if let Some(slot) = self.slots.get_mut(i) {
            if *slot == 0 {
                *slot = h;
                self.len += 1;
            }
        }
    }

    fn extend(&mut self, other: &UrlSet) {
        for &h in other.slots.iter().filter(|&&h| h != 0) {
            self.insert_hash(h);
        }
    }
}

/// What the documents hold, in document order, bounded as the module says.
#[derive(Debug, Clone, Default)]
pub(super) struct Inventory {
    pub loaders: Vec<Loader>,
    pub inits: Vec<LocatedInit>,
    pub wrapper_runs: Vec<WrapperRun>,
    pub inline_bytes: u64,
    pub seen: Seen,
    /// Per kept loader: it was seen only in resource timing (no element).
    from_timing: Vec<bool>,
    /// Every loader URL seen (kept or not), so a fetch of an element's loader is not counted
    /// again as a loader without an element.
    loader_urls: UrlSet,
    kept_loaders: [usize; FAMILIES],
    kept_inits: [usize; FAMILIES],
    /// The first deployment name of a kept Messaging for Web init call, and whether a kept one
    /// names another.
    first_name: Option<String>,
    two_names: bool,
    /// The first script (index, frame) holding a kept Messaging for Web init call, and whether
    /// a kept one is in another.
    first_init_script: Option<(u32, Option<String>)>,
    two_init_scripts: bool,
    /// The first source of a kept wrapper run, and whether a kept one has another.
    first_run_source: Option<String>,
    two_run_sources: bool,
}

impl Inventory {
    /// Reads one document into the inventory, tokenizing within `budget`.
    pub fn read(&mut self, doc: &Doc<'_>, budget: &mut ReadBudget) {
        let frame = doc.frame.as_deref();
        for s in doc.scripts {
            let place = script_position(s.index, s.in_head, frame);
            if let Some(src) = &s.src {
                if let Some(family) = super::classify_loader(src) {
                    self.push_loader(
                        Loader {
                            family,
                            url: src.clone(),
                            origin: place.clone(),
                        },
                        false,
                    );
                }
            }
            if let Some(onload) = &s.onload {
                let read = budget.read(onload).unwrap_or_default();
                let runs = read.wrapper_runs.len();
                if runs > 0 {
                    let location = format!("onload attribute of {place}");
                    for _ in 0..runs {
                        self.push_run(&location, || location.clone());
                    }
                }
                // An init call written in the attribute itself (Agentforce Messaging's snippet,
                // `onload="agentforce_messaging.init({…})"`, and some hand-made v1 tags).
                for call in read.calls {
                    self.push_init(LocatedInit {
                        script_index: s.index,
                        in_head: s.in_head,
                        frame: doc.frame.clone(),
                        call,
                    });
                }
            }
            if let Some(text) = &s.inline {
                self.inline_bytes += text.len() as u64;
                let read = budget.read(text).unwrap_or_default();
                for line in read.wrapper_runs {
                    self.push_run(&place, || format!("{place}, line {line}"));
                }
                for call in read.calls {
                    self.push_init(LocatedInit {
                        script_index: s.index,
                        in_head: s.in_head,
                        frame: doc.frame.clone(),
                        call,
                    });
                }
            }
        }
        // A loader the browser fetched whose element is gone (tag managers remove theirs).
        for r in doc.resources {
            if let Some(family) = super::classify_loader(&r.url) {
                if !self.loader_urls.contains(&r.url) {
                    let origin = match frame {
                        Some(frame) => {
                            format!("fetched by {frame} (resource timing); no <script> element now")
                        }
                        None => "fetched by the page (resource timing); no <script> element now"
                            .to_string(),
                    };
                    self.push_loader(
                        Loader {
                            family,
                            url: r.url.clone(),
                            origin,
                        },
                        true,
                    );
                }
            }
        }
        for n in 1..=doc.dom.experience_components {
            self.push_loader(
                Loader {
                    family: Family::ExperienceComponent,
                    url: format!("<{EXPERIENCE_COMPONENT_TAG}> element"),
                    origin: match frame {
                        Some(f) => format!("component #{n} in {f}"),
                        None => format!("component #{n} on the page"),
                    },
                },
                false,
            );
        }
    }

    /// Adds what another document's inventory holds (read on its own), as if read here: a
    /// loader it saw only in resource timing is dropped when an element here loaded it.
    pub fn absorb(&mut self, other: &Inventory) {
        for (l, timing) in other.loaders.iter().zip(&other.from_timing) {
            if *timing && self.loader_urls.contains(&l.url) {
                // Not counted: the element here is that loader.
                continue;
            }
            self.push_loader(l.clone(), *timing);
        }
        for i in &other.inits {
            self.push_init(i.clone());
        }
        for r in &other.wrapper_runs {
            self.push_run(&r.source, || r.location.clone());
        }
        // Items the other inventory counted without keeping.
        for k in 0..FAMILIES {
            self.seen.loaders[k] += other.seen.loaders[k] - other.kept_loaders[k];
            self.seen.inits[k] += other.seen.inits[k] - other.kept_inits[k];
        }
        self.seen.wrapper_runs += other.seen.wrapper_runs - other.wrapper_runs.len();
        self.loader_urls.extend(&other.loader_urls);
        self.inline_bytes += other.inline_bytes;
    }

    pub fn has_messaging(&self) -> bool {
        ALL.iter()
            .filter(|f| f.is_messaging())
            .any(|f| self.seen.loaders[family_index(*f)] + self.seen.inits[family_index(*f)] > 0)
    }

    fn push_loader(&mut self, l: Loader, from_timing: bool) {
        let k = family_index(l.family);
        self.seen.loaders[k] += 1;
        if l.family != Family::ExperienceComponent {
            self.loader_urls.insert(&l.url);
        }
        // Two of a family are enough for every conclusion (present; more than once).
        if self.loaders.len() < KEPT || self.kept_loaders[k] < 2 {
            self.kept_loaders[k] += 1;
            self.loaders.push(l);
            self.from_timing.push(from_timing);
        }
    }

    fn push_init(&mut self, i: LocatedInit) {
        let k = family_index(i.call.family);
        self.seen.inits[k] += 1;
        let messaging = i.call.family.is_messaging();
        let name = i.call.deployment.as_deref().filter(|_| messaging);
        let new_name = match (name, &self.first_name) {
            (Some(_), None) => true,
            (Some(n), Some(first)) => n != first && !self.two_names,
            (None, _) => false,
        };
        let script = (i.script_index, i.frame.as_deref());
        let new_script = messaging
            && match &self.first_init_script {
                None => true,
                Some((idx, frame)) => (*idx, frame.as_deref()) != script && !self.two_init_scripts,
            };
        if self.inits.len() >= KEPT && self.kept_inits[k] >= 2 && !new_name && !new_script {
            return;
        }
        if let Some(n) = name {
            match &self.first_name {
                None => self.first_name = Some(n.to_string()),
                Some(first) if first != n => self.two_names = true,
                Some(_) => {}
            }
        }
        if messaging {
            match &self.first_init_script {
                None => self.first_init_script = Some((i.script_index, i.frame.clone())),
                Some((idx, frame)) if (*idx, frame.as_deref()) != script => {
                    self.two_init_scripts = true
                }
                Some(_) => {}
            }
        }
        self.kept_inits[k] += 1;
        self.inits.push(i);
    }

    /// A run of the wrapper from `source`; its location is only written out when it is kept
    /// (a page can hold hundreds of thousands).
    fn push_run(&mut self, source: &str, location: impl FnOnce() -> String) {
        self.seen.wrapper_runs += 1;
        let new_source = match &self.first_run_source {
            None => true,
            Some(first) => first != source && !self.two_run_sources,
        };
        if self.wrapper_runs.len() >= KEPT && !new_source {
            return;
        }
        match &self.first_run_source {
            None => self.first_run_source = Some(source.to_string()),
            Some(first) if first != source => self.two_run_sources = true,
            Some(_) => {}
        }
        self.wrapper_runs.push(WrapperRun {
            location: location(),
            source: source.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::{analyze, DuplicateKind, PageEvidence, PageReport};
    use super::*;

    const CALL: &str = "embeddedservice_bootstrap.init('00DHu00000abcde','DEP','https://acme.my.site.com/ESWDEP1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'});\n";

    fn inline(index: u32, text: String) -> ScriptEvidence {
        ScriptEvidence {
            index,
            inline: Some(text),
            ..Default::default()
        }
    }

    fn loader(index: u32, url: &str) -> ScriptEvidence {
        ScriptEvidence {
            index,
            src: Some(url.into()),
            ..Default::default()
        }
    }

    fn page(scripts: Vec<ScriptEvidence>) -> PageReport {
        analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts,
            ..Default::default()
        })
    }

    fn finding<'r>(r: &'r PageReport, code: &str) -> &'r crate::finding::Finding {
        r.findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code} in {:#?}", r.findings))
    }

    fn calls(dep: &str, n: usize) -> String {
        CALL.replace("DEP", dep).repeat(n)
    }

    #[test]
    fn thousands_of_calls_are_counted_and_listed_up_to_the_cap() {
        let r = page(vec![
            inline(1, calls("Web_Chat", 3_000)),
            inline(2, calls("Web_Chat", 1)),
        ]);
        assert_eq!(r.stats.init_calls_seen, 3_001);
        assert!(r.init_calls.len() <= KEPT + 2, "{}", r.init_calls.len());
        let found = finding(&r, "page/snippet-found");
        assert!(found.title.contains("3001 init calls"), "{}", found.title);
        let dup = finding(&r, "page/duplicate-snippet");
        for f in [found, dup] {
            let listed = f.evidence.iter().filter(|e| e.label == "Init call").count();
            assert_eq!(listed, super::super::EVIDENCE_LISTED, "{}", f.code);
            let more = f
                .evidence
                .iter()
                .find(|e| e.label == "Init calls")
                .expect("an 'and N more' line");
            assert_eq!(more.value, "and 2981 more (not listed)");
        }
        // Each kept call has its own line number (one call per line).
        let lines: Vec<u32> = r
            .init_calls
            .iter()
            .filter(|c| c.script_index == 1)
            .map(|c| c.call.line)
            .collect();
        let want: Vec<u32> = (1..=lines.len() as u32).collect();
        assert_eq!(lines, want);
    }

    #[test]
    fn a_conclusion_past_the_cap_is_still_drawn() {
        // A second deployment after hundreds of copies of the first.
        let r = page(vec![
            inline(1, calls("Web_Chat", 500)),
            inline(2, calls("Sales_Chat", 1)),
        ]);
        let kinds = super::super::classify_duplicates(&r.loaders, &r.init_calls, &[]);
        assert_eq!(kinds.first(), Some(&DuplicateKind::TwoDeployments));
        assert!(finding(&r, "page/duplicate-snippet")
            .title
            .contains("Sales_Chat, Web_Chat"));

        // The wrapper run from a second script after hundreds in the first.
        let runs = "initEmbeddedMessaging();\n".repeat(500);
        let r = page(vec![
            inline(1, format!("{}{runs}", calls("Web_Chat", 1))),
            inline(2, "initEmbeddedMessaging();".into()),
        ]);
        assert_eq!(r.stats.wrapper_runs_seen, 501);
        let dup = finding(&r, "page/duplicate-snippet");
        assert!(dup.title.contains("init) more than once"), "{}", dup.title);
        let runs_listed: Vec<_> = dup
            .evidence
            .iter()
            .filter(|e| e.label == "Runs initEmbeddedMessaging")
            .collect();
        assert_eq!(runs_listed.len(), super::super::EVIDENCE_LISTED + 1);
        assert_eq!(
            runs_listed.last().map(|e| e.value.as_str()),
            Some("and 481 more (not listed)")
        );

        // A v2 loader after hundreds of v1 loaders.
        let mut scripts: Vec<ScriptEvidence> = (0..400)
            .map(|i| {
                loader(
                    i + 1,
                    &format!("https://acme.my.site.com/ESWWeb_Chat1712345678901/assets/js/bootstrap.min.js?{i}"),
                )
            })
            .collect();
        scripts.push(loader(
            401,
            "https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js",
        ));
        let r = page(scripts);
        assert_eq!(r.stats.loaders_seen, 401);
        assert!(r.loaders.len() <= KEPT + 1);
        assert!(finding(&r, "page/duplicate-snippet")
            .title
            .contains("Agentforce Messaging"));
    }

    #[test]
    fn the_same_bad_call_many_times_is_one_invalid_snippet_finding() {
        let bad = "embeddedservice_bootstrap.init('00DHu00000abcdé','Web_Chat','acme.my.site.com/ESW',{});\n";
        let r = page(vec![inline(1, bad.repeat(1_000))]);
        let n = r
            .findings
            .iter()
            .filter(|f| f.code == "page/invalid-snippet")
            .count();
        assert_eq!(n, 1);
        // Many different bad calls: ten findings, the last saying how many more.
        let text: String = (0..50)
            .map(|k| bad.replace("Web_Chat", &format!("Chat_{k}")))
            .collect();
        let r = page(vec![inline(1, text)]);
        let bad: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.code == "page/invalid-snippet")
            .collect();
        assert_eq!(bad.len(), 10);
        assert!(bad[9]
            .evidence
            .iter()
            .any(|e| e.value == "and 40 more (not listed)"));
    }

    #[test]
    fn snippet_text_past_the_read_budget_is_reported_not_read() {
        let big = calls("Web_Chat", 512 * 1024 / CALL.len());
        let n = MAX_READ_BYTES / big.len();
        let mut scripts: Vec<ScriptEvidence> = (0..n as u32 + 2)
            .map(|i| inline(i + 1, big.clone()))
            .collect();
        // Ordinary code costs nothing from the budget, however large.
        scripts.insert(0, inline(100, "var x = 1;\n".repeat(100_000)));
        let r = page(scripts);
        assert!(r.stats.truncated);
        let t = finding(&r, "page/scan-truncated");
        assert!(t.evidence.iter().any(|e| e.label == "Not read"), "{t:#?}");
        let per_script = big.matches("init(").count();
        assert_eq!(r.stats.init_calls_seen as usize, n * per_script);
        // Within the budget: no such finding.
        let r = page(vec![
            inline(1, big.clone()),
            inline(2, "var x = 1;\n".repeat(400_000)),
        ]);
        assert!(!r.stats.truncated);
        assert!(r.findings.iter().all(|f| f.code != "page/scan-truncated"));
    }

    #[test]
    fn the_url_set_holds_what_was_put_in() {
        let mut set = UrlSet::default();
        let urls: Vec<String> = (0..5_000)
            .map(|i| format!("https://a.example/{i}"))
            .collect();
        for u in urls.iter().step_by(2) {
            set.insert(u);
            set.insert(u);
        }
        assert_eq!(set.len, 2_500);
        for (i, u) in urls.iter().enumerate() {
            assert_eq!(set.contains(u), i % 2 == 0, "{u}");
        }
        let mut other = UrlSet::default();
        other.extend(&set);
        assert!(other.contains(&urls[0]) && !other.contains(&urls[1]));
    }

    #[test]
    fn a_frame_fetch_of_the_page_loader_is_not_a_second_loader() {
        let url = "https://acme.my.site.com/ESWWeb_Chat1712345678901/assets/js/bootstrap.min.js";
        let r = analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts: vec![loader(1, url)],
            frames: vec![super::super::FrameEvidence {
                index: 1,
                url: "https://www.example.com/f".into(),
                inspectable: true,
                resources: vec![ResourceEvidence {
                    url: url.into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(r.loaders.len(), 1, "{:#?}", r.loaders);
        assert_eq!(r.stats.loaders_seen, 1);
    }
}
