//! What the record adds to other findings: the widget's events, failed loads and the loader's
//! console messages as evidence.

use super::record::{ConsoleLine, WatchEvidence, EVENTS_LISTED, EVENT_PREFIX, MAX_WATCH_TEXT};
use super::text::{capped, secs};
use crate::finding::{Evidence, Finding};
use std::borrow::Cow;

/// Most loader console lines of one kind listed in a finding.
pub(super) const CONSOLE_LISTED: usize = 5;

/// A widget event's name in plain words (facts §3).
fn event_words(name: &str) -> Cow<'_, str> {
    let rest = name.strip_prefix(EVENT_PREFIX).unwrap_or(name);
    Cow::Borrowed(match rest {
        "Ready" => "Ready (start-up finished)",
        "ButtonCreated" => "Button created",
        "ButtonClicked" => "Button clicked",
        "ConversationStarted" => "Conversation started",
        "InitSuccess" => "Chat window loaded",
        "InitError" => "Start-up error (onEmbeddedMessagingInitError)",
        "BusinessHoursEnded" => "Business hours ended",
        "BusinessHoursStarted" => "Business hours started",
        "WindowMaximized" => "Chat window opened",
        "WindowMinimized" => "Chat window minimized",
        "SessionStatusUpdate" => "Session status changed",
        "ConversationClosed" => "Conversation closed",
        "PreChatSubmitted" => "Pre-chat form submitted",
        _ => return capped(name, 80),
    })
}

/// What the widget's events say, for the stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFacts {
    /// `onEmbeddedMessagingReady` fired: start-up finished.
    pub ready: bool,
    /// Times of `onEmbeddedMessagingInitError`, the widget's failure signal.
    pub init_errors: Vec<Option<f64>>,
    /// The last business-hours event said they ended.
    pub hours_closed: bool,
}

impl EventFacts {
    pub fn of(w: &WatchEvidence) -> Self {
        let mut f = EventFacts::default();
        for e in w.events() {
            match &e.name[EVENT_PREFIX.len()..] {
                "Ready" => f.ready = true,
                "InitError" => f.init_errors.push(e.at_ms),
                "BusinessHoursEnded" => f.hours_closed = true,
                "BusinessHoursStarted" => f.hours_closed = false,
                _ => {}
            }
        }
        f
    }

    /// The widget reported a start-up failure and never became ready.
    pub fn failed_startup(&self) -> bool {
        !self.init_errors.is_empty() && !self.ready
    }

    /// When the first InitError fired, and how often, in words.
    pub fn init_error_words(&self) -> String {
        let n = self.init_errors.len();
        let first = secs(self.init_errors.first().copied().flatten());
        if n == 1 {
            format!("onEmbeddedMessagingInitError at {first}")
        } else {
            format!("onEmbeddedMessagingInitError {n} times, first at {first}")
        }
    }
}

/// The widget's events as timeline lines (`Widget event: Ready at 1.23 s`), at most
/// [`EVENTS_LISTED`].
/// One evidence line per failed load of a chat URL (`is_chat_url`), at most 10.
pub fn load_error_evidence(
    mut f: Finding,
    w: &WatchEvidence,
    is_chat_url: impl Fn(&str) -> bool,
) -> Finding {
    for e in w
        .load_errors()
        .iter()
        .filter(|e| is_chat_url(&e.url))
        .take(10)
    {
        let tag = if e.tag.is_empty() { "element" } else { &e.tag };
        f = f.with_evidence(Evidence::new(
            "Failed to load (recorded by watch mode)",
            format!(
                "the browser reported an error loading {} (the <{}> element) at {}",
                capped(&e.url, 300),
                capped(tag, 20),
                secs(e.at_ms)
            ),
        ));
    }
    f
}

pub fn event_evidence(mut f: Finding, w: &WatchEvidence) -> Finding {
    let mut n = 0;
    for e in w.events() {
        n += 1;
        if n > EVENTS_LISTED {
            continue;
        }
        let mut value = format!("{} at {}", event_words(&e.name), secs(e.at_ms));
        if let Some(d) = e.detail.as_deref().filter(|d| !d.is_empty()) {
            value.push_str(&format!(" ({})", capped(d, 100)));
        }
        f = f.with_evidence(Evidence::new("Widget event", value));
    }
    if n > EVENTS_LISTED {
        f = f.with_evidence(Evidence::new(
            "Widget events",
            format!("and {} more", n - EVENTS_LISTED),
        ));
    }
    f
}

/// The loader's console messages Messaging Doctor knows (facts §2, and Agentforce Messaging's
/// own, §1 and simulator/CONTRACT.md `C-AGENTFORCE-INIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderMessage {
    /// The browser evaluated the loader a second time and the loader refused it.
    SecondLoader,
    /// `init` was called a second time and ignored: the page runs the first one.
    SecondInit,
    /// A second conversation start was refused.
    SecondConversation,
    /// The deployment's configuration could not be loaded.
    ConfigUnavailable,
    /// Agentforce Messaging's init refused the snippet's values and built nothing.
    AgentforceRefused,
}

impl LoaderMessage {
    /// Which known message a console line is, by its distinctive part (case-insensitive).
    pub fn of(text: &str) -> Option<Self> {
        let t = text.to_ascii_lowercase();
        let has = |s: &str| t.contains(s);
        // Agentforce Messaging logs "has already been initialized" when a second copy of
        // init.js runs (its init itself has no such guard).
        if has("attempting to load miaw script when one is already loaded")
            || has("agentforce messaging has already been initialized")
        {
            Some(Self::SecondLoader)
        } else if has("attempted to initialize bootstrap multiple times") {
            Some(Self::SecondInit)
        } else if has("attempting to create new conversation multiple times") {
            Some(Self::SecondConversation)
        } else if has("unable to load embedded messaging configuration") {
            Some(Self::ConfigUnavailable)
        } else if has("invalid init() configuration specified") {
            Some(Self::AgentforceRefused)
        } else {
            None
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Self::SecondLoader => {
                "the browser ran the loader a second time and the loader refused the second copy"
            }
            Self::SecondInit => "a second init was ignored: the page runs the first one it reached",
            Self::SecondConversation => {
                "a second conversation start was refused (a double click, or two widgets)"
            }
            Self::ConfigUnavailable => "the loader could not get the deployment's configuration",
            Self::AgentforceRefused => {
                "Agentforce Messaging's init refused the snippet's values and built nothing"
            }
        }
    }
}

/// The console lines of the given kinds, in order.
pub(super) fn lines_of<'a>(
    w: &'a WatchEvidence,
    kinds: &'a [LoaderMessage],
) -> impl Iterator<Item = (LoaderMessage, &'a ConsoleLine)> + 'a {
    w.console()
        .iter()
        .filter_map(|c| LoaderMessage::of(&c.text).map(|k| (k, c)))
        .filter(move |(k, _)| kinds.contains(k))
}

/// One console line as evidence: the quoted text, when, and what it means.
pub(super) fn console_value(kind: LoaderMessage, c: &ConsoleLine) -> String {
    format!(
        "\"{}\" at {}: {}",
        capped(c.text.trim(), MAX_WATCH_TEXT),
        secs(c.at_ms),
        kind.meaning()
    )
}

fn console_evidence(mut f: Finding, w: &WatchEvidence, kinds: &[LoaderMessage]) -> Finding {
    for (k, c) in lines_of(w, kinds).take(CONSOLE_LISTED) {
        f = f.with_evidence(Evidence::new("Loader console message", console_value(k, c)));
    }
    f
}

/// Console lines that belong on the stage finding: the configuration could not be loaded or
/// Agentforce Messaging refused its values (for a widget that did not start), a second
/// conversation start (any stage).
pub fn stage_console_evidence(f: Finding, w: &WatchEvidence, started: bool) -> Finding {
    let f = if started {
        f
    } else {
        console_evidence(
            f,
            w,
            &[
                LoaderMessage::ConfigUnavailable,
                LoaderMessage::AgentforceRefused,
            ],
        )
    };
    console_evidence(f, w, &[LoaderMessage::SecondConversation])
}

/// Agentforce Messaging's loader said it refused the snippet's values.
pub fn agentforce_refused(w: &WatchEvidence) -> bool {
    lines_of(w, &[LoaderMessage::AgentforceRefused])
        .next()
        .is_some()
}

pub(super) const RUN_TWICE: [LoaderMessage; 2] =
    [LoaderMessage::SecondLoader, LoaderMessage::SecondInit];

/// On a duplicate the page's code shows, what the browser actually ran: the loader's messages
/// about a second copy or init, or that a full recording has none.
pub fn ran_evidence(mut f: Finding, w: &WatchEvidence) -> Finding {
    let mut any = false;
    for (k, c) in lines_of(w, &RUN_TWICE).take(CONSOLE_LISTED) {
        any = true;
        f = f.with_evidence(Evidence::new(
            "What the browser actually ran",
            console_value(k, c),
        ));
    }
    if !any && w.started_early() {
        f = f.with_evidence(Evidence::new(
            "What the browser actually ran",
            "watch mode recorded no loader message about a second copy or a second init since \
             the page started (older loaders run a second copy without a message)",
        ));
    }
    f
}
