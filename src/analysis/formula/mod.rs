//! Salesforce formula engine (in progress).
