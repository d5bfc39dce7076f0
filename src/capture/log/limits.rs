//! The parser's bounds (memory stays bounded whatever the log) and the objects it follows.

pub(super) const MAX_LINE: usize = 16 * 1024;
pub(super) const MAX_EVENT_TEXT: usize = 16 * 1024;
pub(super) const MAX_EVIDENCE_TEXT: usize = 400;
pub(super) const MAX_EVIDENCE: usize = 16;
pub(super) const MAX_SUMMARY_EVIDENCE: usize = 8;
pub(super) const MAX_INSERTS: usize = 16;
pub(super) const MAX_CANDIDATES: usize = 16;
pub(super) const MAX_OTHER_CAUSES: usize = 4;
pub(super) const MAX_STACK: usize = 256;
pub(super) const MAX_GARBLED_KEPT: usize = 8;
pub(super) const MAX_UNKNOWN_NAMES: usize = 8;
pub(super) const MAX_DML_ERRORS: usize = 8;
pub(super) const MAX_LEVELS: usize = 32;
pub(super) const MAX_STACK_LINES: usize = 12;
pub(super) const MAX_TEXT: usize = 2048;
pub(super) const MAX_NAME: usize = 255;

/// The objects whose inserts the live capture follows.
pub const TRACKED_OBJECTS: [&str; 2] = ["MessagingSession", "MessagingEndUser"];
