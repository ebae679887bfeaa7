//! Subscriptions: listing them, and az's `--subscription NAME_OR_ID`.
//!
//! az accepts a subscription's display name wherever it takes its ID (`az account set -s`, `--subscription`),
//! matching either without regard to case. An ID (a GUID) is used as given with no request; a name is looked up
//! among the subscriptions the caller can see (`GET /subscriptions`).

use crate::client::ArmClient;
use crate::error::{Error, ErrorKind, Result};
use serde_json::Value;

/// api-version of `GET /subscriptions`.
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";

/// A subscription ID is a GUID; anything else is taken for a name.
pub fn looks_like_subscription_id(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok()
}

/// The ID of the subscription `name_or_id` names among `subscriptions` (ARM's list items): by ID first, then
/// by display name, both case-insensitively. Two subscriptions of that name are an error, as is none.
pub fn pick_subscription(subscriptions: &[Value], name_or_id: &str) -> Result<String> {
    let wanted = name_or_id.trim();
    let field = |s: &Value, k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    if let Some(s) = subscriptions
        .iter()
        .find(|s| field(s, "subscriptionId").eq_ignore_ascii_case(wanted))
    {
        return Ok(field(s, "subscriptionId"));
    }
    let named: Vec<&Value> = subscriptions
        .iter()
        .filter(|s| field(s, "displayName").eq_ignore_ascii_case(wanted))
        .collect();
    match named.as_slice() {
        [one] => Ok(field(one, "subscriptionId")),
        [] => {
            let names: Vec<String> = subscriptions
                .iter()
                .map(|s| {
                    format!(
                        "'{}' ({})",
                        field(s, "displayName"),
                        field(s, "subscriptionId")
                    )
                })
                .collect();
            Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no subscription named '{wanted}' is visible to this credential; visible: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            )
            .with_code("SubscriptionNotFound"))
        }
        many => Err(Error::invalid_argument(format!(
            "{} subscriptions are named '{wanted}': give the ID of one ({})",
            many.len(),
            many.iter()
                .map(|s| field(s, "subscriptionId"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

impl ArmClient {
    /// The subscriptions the credential can see (`az account list`), every page.
    pub async fn list_subscriptions(&self) -> Result<Vec<Value>> {
        self.p
            .list_all("/subscriptions", SUBSCRIPTIONS_API_VERSION)
            .await
    }

    /// The ID for az's `--subscription NAME_OR_ID`: a GUID as given (no request), else the subscription of that
    /// display name.
    pub async fn resolve_subscription(&self, name_or_id: &str) -> Result<String> {
        if name_or_id.trim().is_empty() {
            return Err(Error::invalid_argument(
                "the subscription must not be empty",
            ));
        }
        if looks_like_subscription_id(name_or_id) {
            return Ok(name_or_id.trim().to_string());
        }
        let list = self.list_subscriptions().await?;
        let id = pick_subscription(&list, name_or_id)?;
        tracing::info!(
            target: "msi_identity::subscriptions",
            "subscription '{name_or_id}' is {id}"
        );
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_ids() {
        let a = "11111111-1111-1111-1111-111111111111";
        let b = "22222222-2222-2222-2222-222222222222";
        let list = vec![
            json!({"subscriptionId": a, "displayName": "Dev"}),
            json!({"subscriptionId": b, "displayName": "Prod"}),
            json!({"subscriptionId": "33333333-3333-3333-3333-333333333333", "displayName": "prod"}),
        ];
        assert_eq!(pick_subscription(&list, "dev").unwrap(), a);
        assert_eq!(pick_subscription(&list, &b.to_uppercase()).unwrap(), b);
        assert!(
            pick_subscription(&list, "PROD")
                .unwrap_err()
                .message()
                .contains("2 subscriptions")
        );
        let e = pick_subscription(&list, "Test").unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::NotFound, Some("SubscriptionNotFound"))
        );
        assert!(looks_like_subscription_id(a) && !looks_like_subscription_id("Dev"));
    }
}
