//! The MessagingSession record the platform inserts when a conversation starts, as far as it is
//! known without an org trace (facts: miaw-widget.md §6). Every analyser judges automation
//! against this one model, so "fires"/"does not fire" always means "for this record".
//!
//! A value is either known (`Known`) or unknown with the reason (`Unknown`): the analysers must
//! not guess, and a verdict that hinges on an unknown names it.

use std::collections::BTreeMap;

/// A field value of the inserted record or the running user.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Known(Known),
    /// Not known before the insert happens; the string says why, in plain words
    /// (e.g. "set by the routing configuration", "mapped from a pre-chat field").
    Unknown(String),
}

impl FieldValue {
    pub fn text(s: &str) -> Self {
        FieldValue::Known(Known::Text(s.to_string()))
    }
    pub fn null() -> Self {
        FieldValue::Known(Known::Null)
    }
    pub fn unknown(why: &str) -> Self {
        FieldValue::Unknown(why.to_string())
    }
}

/// The model of the insert: field values (API names, case-insensitive lookup), the running
/// user's globals, and the trigger context.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertedRecord {
    /// The object, `MessagingSession`.
    pub object: String,
    /// Field API name (as given) → value. Lookups are case-insensitive.
    pub fields: BTreeMap<String, FieldValue>,
    /// Fields that exist on the object but are not set by the platform: they are null at
    /// insert unless a default applies (custom fields, most standard fields).
    pub unset_fields_are_null: bool,
    /// `$User.<Field>` values of the running user (the Automated Process user).
    pub user: BTreeMap<String, FieldValue>,
    /// `$Profile.<Field>` values.
    pub profile: BTreeMap<String, FieldValue>,
    /// Custom permissions held by the running user (`$Permission.<Name>`); a name not listed is
    /// `unknown` unless `permissions_complete` is true.
    pub permissions: BTreeMap<String, bool>,
    pub permissions_complete: bool,
    /// ISNEW() is true for the insert; ISCHANGED()/PRIORVALUE() have no prior record.
    pub is_new: bool,
}

impl InsertedRecord {
    /// The record at conversation start as documented: channel and end user set, Origin
    /// `InboundInitiated`, Status `Waiting`, ChannelType `EmbeddedMessaging`, owner from
    /// routing; custom fields empty unless pre-chat maps them (`prechat_fields`, unknown values);
    /// running user the Automated Process user.
    pub fn messaging_session_at_start(prechat_fields: &[&str]) -> Self {
        let mut fields = BTreeMap::new();
        let id = |why: &str| FieldValue::unknown(why);
        fields.insert(
            "MessagingChannelId".into(),
            id("the channel's record id (set, not null)"),
        );
        fields.insert(
            "MessagingEndUserId".into(),
            id("the end user's record id (set, not null)"),
        );
        fields.insert("Origin".into(), FieldValue::text("InboundInitiated"));
        fields.insert("Status".into(), FieldValue::text("Waiting"));
        fields.insert("ChannelType".into(), FieldValue::text("EmbeddedMessaging"));
        fields.insert(
            "OwnerId".into(),
            id("the routing queue or the Automated Process user"),
        );
        fields.insert(
            "ConversationId".into(),
            id("the conversation's id (set, not null)"),
        );
        fields.insert(
            "AgentType".into(),
            id("set by the platform from the routing configuration"),
        );
        fields.insert("CreatedById".into(), id("the Automated Process user's id"));
        for f in prechat_fields {
            fields.insert(
                (*f).to_string(),
                FieldValue::unknown("mapped from a pre-chat field the visitor fills in"),
            );
        }
        let mut user = BTreeMap::new();
        user.insert("UserType".into(), FieldValue::text("AutomatedProcess"));
        user.insert("Alias".into(), FieldValue::text("autoproc"));
        user.insert("LastName".into(), FieldValue::text("Automated Process"));
        user.insert(
            "Username".into(),
            FieldValue::unknown("the Automated Process user's username differs per org"),
        );
        user.insert(
            "ProfileId".into(),
            FieldValue::unknown("the Automated Process user has no standard profile id to compare"),
        );
        InsertedRecord {
            object: "MessagingSession".into(),
            fields,
            unset_fields_are_null: true,
            user,
            profile: BTreeMap::new(),
            permissions: BTreeMap::new(),
            permissions_complete: false,
            is_new: true,
        }
    }

    /// The value of a field of the record, case-insensitively; `None` when the model has no
    /// entry (callers apply `unset_fields_are_null`).
    pub fn field(&self, name: &str) -> Option<&FieldValue> {
        lookup(&self.fields, name)
    }

    /// The value of `$User.<name>`.
    pub fn user_field(&self, name: &str) -> Option<&FieldValue> {
        lookup(&self.user, name)
    }

    /// The value of `$Profile.<name>`.
    pub fn profile_field(&self, name: &str) -> Option<&FieldValue> {
        lookup(&self.profile, name)
    }

    /// Whether the running user holds custom permission `name`: `Some(bool)` when known.
    pub fn has_permission(&self, name: &str) -> Option<bool> {
        let hit = self
            .permissions
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        match hit {
            Some(v) => Some(v),
            None if self.permissions_complete => Some(false),
            None => None,
        }
    }
}

fn lookup<'a>(map: &'a BTreeMap<String, FieldValue>, name: &str) -> Option<&'a FieldValue> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_record_has_the_documented_values() {
        let r = InsertedRecord::messaging_session_at_start(&["Case_Reason__c"]);
        assert_eq!(
            r.field("origin"),
            Some(&FieldValue::text("InboundInitiated"))
        );
        assert_eq!(r.field("STATUS"), Some(&FieldValue::text("Waiting")));
        assert!(matches!(
            r.field("Case_Reason__c"),
            Some(FieldValue::Unknown(_))
        ));
        assert_eq!(r.field("Some_Other__c"), None);
        assert!(r.unset_fields_are_null);
        assert_eq!(
            r.user_field("usertype"),
            Some(&FieldValue::text("AutomatedProcess"))
        );
        assert!(r.is_new);
    }

    #[test]
    fn permissions_are_unknown_unless_the_list_is_complete() {
        let mut r = InsertedRecord::messaging_session_at_start(&[]);
        assert_eq!(r.has_permission("Bypass_Validation"), None);
        r.permissions.insert("Bypass_Validation".into(), true);
        assert_eq!(r.has_permission("bypass_validation"), Some(true));
        r.permissions_complete = true;
        assert_eq!(r.has_permission("Other"), Some(false));
    }
}
