//! The record as the core reads it: its shape, its caps, and the tolerant reading that keeps a
//! malformed or oversized record from costing more than its caps.

use super::text::capped;
use crate::page::requests::RESOURCE_BUFFER_DEFAULT;
use crate::page::ResourceEvidence;
use serde::{Deserialize, Serialize};

/// Most recorded requests read (the recorder's own cap).
pub const MAX_WATCH_RESOURCES: usize = 5_000;
/// Most recorded CSP violations read (the recorder's own cap).
pub const MAX_WATCH_CSP: usize = 200;
/// Most recorded widget events read.
pub const MAX_WATCH_EVENTS: usize = 500;
/// Most recorded loader console lines read (the recorder's own cap).
pub const MAX_WATCH_CONSOLE: usize = 50;
/// Most failed loads (`error` events of script and stylesheet elements) read from a record.
pub const MAX_WATCH_LOAD_ERRORS: usize = 100;
/// Longest URL kept from the record (bytes, cut at a character boundary).
pub const MAX_WATCH_URL: usize = 4_096;
/// Longest console line kept (the recorder's own cap).
pub const MAX_WATCH_TEXT: usize = 300;
/// Longest short field kept: event names, details, directives, initiator, level.
pub const MAX_WATCH_SHORT: usize = 120;
/// A recorder that started later than this (ms after the page's time origin) missed the CSP
/// reports, widget events and console lines of the page's first moments. `document_start`
/// normally runs within a few milliseconds; requests are not affected (the buffered observer
/// hands over the earlier entries).
pub const LATE_START_MS: f64 = 1_000.0;
/// Most widget events listed one by one in a finding.
pub const EVENTS_LISTED: usize = 20;

/// What the watch-mode recorder saw (content/watch.js's record, version 1). Every field is
/// optional and unknown fields are ignored; lists are capped as they are read and a value of
/// the wrong type reads as absent, so a damaged record degrades instead of failing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchEvidence {
    #[serde(default, deserialize_with = "lenient::count")]
    pub version: u32,
    /// `performance.now()` when the recorder started (`document_start`).
    #[serde(default, deserialize_with = "lenient::number")]
    pub started_ms: Option<f64>,
    /// Every request the page made (status 0 reads as absent).
    #[serde(default, deserialize_with = "lenient::resources")]
    pub resources: Vec<ResourceEvidence>,
    /// Requests the recorder did not keep because its own cap was reached.
    #[serde(default, deserialize_with = "lenient::count")]
    pub resources_dropped: u32,
    /// `securitypolicyviolation` events since the recorder started.
    #[serde(default, deserialize_with = "lenient::csp")]
    pub csp: Vec<WatchCsp>,
    #[serde(default, deserialize_with = "lenient::count")]
    pub csp_dropped: u32,
    /// The widget's `onEmbeddedMessaging*` window events.
    #[serde(default, deserialize_with = "lenient::events")]
    pub events: Vec<WidgetEvent>,
    /// The loader's console messages (only lines matching its known messages).
    #[serde(default, deserialize_with = "lenient::console")]
    pub console: Vec<ConsoleLine>,
    /// Script and stylesheet elements whose load failed (`error` events since the recorder
    /// started): the only sign of a cross-origin loader that answered 404 or was stopped by an
    /// ad blocker, because resource timing hides a cross-origin script's status.
    #[serde(default, deserialize_with = "lenient::load_errors")]
    pub load_errors: Vec<LoadError>,
}

/// One element whose resource failed to load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadError {
    #[serde(default, deserialize_with = "lenient::url")]
    pub url: String,
    /// The element: `script` or `link`.
    #[serde(default, deserialize_with = "lenient::short")]
    pub tag: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
}

/// One `securitypolicyviolation` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchCsp {
    #[serde(default, deserialize_with = "lenient::url")]
    pub blocked_url: String,
    #[serde(default, deserialize_with = "lenient::short")]
    pub directive: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
}

/// One of the widget's window events (`onEmbeddedMessagingReady`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetEvent {
    #[serde(default, deserialize_with = "lenient::short")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
    /// A short detail the recorder kept (`buttonVisibility` of ButtonCreated).
    #[serde(default, deserialize_with = "lenient::opt_short")]
    pub detail: Option<String>,
}

/// One console message of the loader.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleLine {
    #[serde(default, deserialize_with = "lenient::short")]
    pub level: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub text: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
}

/// What the record holds, for the page report's `stats.watch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchStats {
    /// The collector was given a record it could not read.
    #[serde(default)]
    pub unreadable: bool,
    #[serde(default)]
    pub started_ms: Option<f64>,
    #[serde(default)]
    pub requests: u32,
    #[serde(default)]
    pub requests_dropped: u32,
    #[serde(default)]
    pub csp_reports: u32,
    #[serde(default)]
    pub csp_dropped: u32,
    #[serde(default)]
    pub widget_events: u32,
    #[serde(default)]
    pub console_lines: u32,
}

impl WatchEvidence {
    /// The recorded requests, capped (a record built in code skips the reading caps).
    pub fn resources(&self) -> &[ResourceEvidence] {
        &self.resources[..self.resources.len().min(MAX_WATCH_RESOURCES)]
    }
    pub fn csp(&self) -> &[WatchCsp] {
        &self.csp[..self.csp.len().min(MAX_WATCH_CSP)]
    }
    /// The widget's events (names that are not the widget's are left out), capped.
    pub fn events(&self) -> impl Iterator<Item = &WidgetEvent> {
        self.events[..self.events.len().min(MAX_WATCH_EVENTS)]
            .iter()
            .filter(|e| e.name.starts_with(EVENT_PREFIX))
    }
    pub fn console(&self) -> &[ConsoleLine] {
        &self.console[..self.console.len().min(MAX_WATCH_CONSOLE)]
    }
    pub fn load_errors(&self) -> &[LoadError] {
        &self.load_errors[..self.load_errors.len().min(MAX_WATCH_LOAD_ERRORS)]
    }
    /// The recorded failed load of `url`, if any.
    pub fn load_error(&self, url: &str) -> Option<&LoadError> {
        self.load_errors().iter().find(|e| e.url == url)
    }
    /// The recorder started at `document_start`, early enough to have seen the page's first
    /// CSP reports, events and console lines.
    pub fn started_early(&self) -> bool {
        self.started_ms
            .is_some_and(|s| (0.0..=LATE_START_MS).contains(&s))
    }
    /// Every CSP violation since the page started was kept.
    pub fn csp_complete(&self) -> bool {
        self.started_early() && self.csp_dropped == 0 && self.csp.len() <= MAX_WATCH_CSP
    }
    /// Whether the recorded requests are the page's whole request history: the recorder kept
    /// every entry, and it saw requests at all when the browser's own buffer is full (a
    /// recorder that saw none did not work, and proves nothing).
    pub fn timeline_complete(&self, collected: usize) -> bool {
        self.resources_dropped == 0
            && self.resources.len() <= MAX_WATCH_RESOURCES
            && !(self.resources.is_empty() && collected >= RESOURCE_BUFFER_DEFAULT)
    }

    pub fn stats(&self) -> WatchStats {
        WatchStats {
            unreadable: false,
            started_ms: self.started_ms,
            requests: self.resources().len() as u32,
            requests_dropped: self
                .resources_dropped
                .saturating_add(self.resources.len().saturating_sub(MAX_WATCH_RESOURCES) as u32),
            csp_reports: self.csp().len() as u32,
            csp_dropped: self.csp_dropped,
            widget_events: self.events().count() as u32,
            console_lines: self.console().len() as u32,
        }
    }
}

/// Every widget event starts with this.
pub(super) const EVENT_PREFIX: &str = "onEmbeddedMessaging";

/// Reading the record tolerantly: a value of the wrong type reads as absent, an entry that is
/// not an object is skipped, lists stop at their cap (the rest is skipped unread), strings are
/// cut at a character boundary. Works with any self-describing deserializer (JSON,
/// `serde-wasm-bindgen`).
mod lenient {
    use super::*;
    use serde::de::{
        self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use std::fmt;
    use std::marker::PhantomData;

    /// Skips a value of a type the field does not take.
    macro_rules! absent_for_other_types {
        ($out:expr) => {
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok($out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok($out)
            }
        };
    }

    /// A string cut to `MAX` bytes; other types read as absent.
    struct Text<const MAX: usize>;
    impl<'de, const MAX: usize> Visitor<'de> for Text<MAX> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(capped(v, MAX).into_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            if v.len() <= MAX {
                Ok(Some(v))
            } else {
                self.visit_str(&v)
            }
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        absent_for_other_types!(None);
    }

    /// A finite number; other types read as absent.
    struct Number;
    impl<'de> Visitor<'de> for Number {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(v.is_finite().then_some(v))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        absent_for_other_types!(None);
    }

    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(Number)
    }

    /// A non-negative count (saturating); anything else reads as 0.
    pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        Ok(number(d)?
            .filter(|n| *n > 0.0)
            .map(|n| n.min(u32::MAX as f64) as u32)
            .unwrap_or(0))
    }

    pub fn url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(d.deserialize_any(Text::<MAX_WATCH_URL>)?
            .unwrap_or_default())
    }
    pub fn short<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(d.deserialize_any(Text::<MAX_WATCH_SHORT>)?
            .unwrap_or_default())
    }
    pub fn opt_short<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(Text::<MAX_WATCH_SHORT>)
    }
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(d.deserialize_any(Text::<MAX_WATCH_TEXT>)?
            .unwrap_or_default())
    }

    /// One list entry: an object read as `T`, anything else skipped.
    struct Entry<T>(Option<T>);
    impl<'de, T: DeserializeOwned> Deserialize<'de> for Entry<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<T>(PhantomData<T>);
            impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
                type Value = Option<T>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
                }
                fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(None)
                }
            }
            d.deserialize_any(V(PhantomData)).map(Entry)
        }
    }

    /// A list of at most `MAX` entries (the rest skipped unread); not a list reads as empty.
    struct List<T, const MAX: usize>(PhantomData<T>);
    impl<'de, T: DeserializeOwned, const MAX: usize> Visitor<'de> for List<T, MAX> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Entry(e)) = seq.next_element::<Entry<T>>()? {
                if let Some(e) = e {
                    out.push(e);
                }
                if out.len() == MAX {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    break;
                }
            }
            Ok(out)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
    }

    fn list<'de, D: Deserializer<'de>, T: DeserializeOwned, const MAX: usize>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(List::<T, MAX>(PhantomData))
    }

    /// A recorded request, read leniently, then made a [`ResourceEvidence`].
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawResource {
        #[serde(default, deserialize_with = "url")]
        url: String,
        #[serde(default, deserialize_with = "short")]
        initiator: String,
        #[serde(default, deserialize_with = "number")]
        status: Option<f64>,
        #[serde(default, deserialize_with = "number")]
        duration_ms: Option<f64>,
        #[serde(default, deserialize_with = "number")]
        start_ms: Option<f64>,
    }

    pub fn resources<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ResourceEvidence>, D::Error> {
        let raw: Vec<RawResource> = list::<D, RawResource, MAX_WATCH_RESOURCES>(d)?;
        Ok(raw
            .into_iter()
            .map(|r| ResourceEvidence {
                url: r.url,
                initiator: r.initiator,
                // 0 = the browser does not expose it; HTTP statuses are 100..=599.
                status: r
                    .status
                    .filter(|s| (1.0..=999.0).contains(s))
                    .map(|s| s as u16),
                duration_ms: r.duration_ms,
                start_ms: r.start_ms,
            })
            .collect())
    }
    pub fn csp<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WatchCsp>, D::Error> {
        list::<D, WatchCsp, MAX_WATCH_CSP>(d)
    }
    pub fn events<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WidgetEvent>, D::Error> {
        list::<D, WidgetEvent, MAX_WATCH_EVENTS>(d)
    }
    pub fn console<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ConsoleLine>, D::Error> {
        list::<D, ConsoleLine, MAX_WATCH_CONSOLE>(d)
    }
    pub fn load_errors<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LoadError>, D::Error> {
        list::<D, LoadError, MAX_WATCH_LOAD_ERRORS>(d)
    }
}
