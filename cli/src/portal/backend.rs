//! Which ARM the portal talks to: the one `msi` is configured for (endpoint, subscription, credential, exactly as
//! every other command connects), or, when nothing is configured, an embedded emulator in a temporary directory,
//! seeded so that there is something to look at.

use msi_emulator::Emulator;
use msi_identity::{ArmClient, ConnectOptions, CreateOptions, Error, Settings, TokenCache};

/// An embedded emulator and the directory its state lives in (removed when this is dropped).
pub struct Embedded {
    pub emulator: Emulator,
    _dir: tempfile::TempDir,
}

/// The group the embedded emulator is seeded with, and what is in it (the names of the seed documents).
pub const SEED_GROUP: &str = "myResourceGroup";
const SEED_VM: &str = "myVM";
const SEED_VMSS: &str = "myVMSS";
const SEED_IDENTITY: &str = "myUserAssignedIdentity";

/// Nothing says where to connect: no endpoint, subscription or credential, by flag or environment.
pub fn nothing_configured(s: &Settings) -> bool {
    s.endpoint.is_none()
        && s.subscription_id.is_none()
        && s.access_token.is_none()
        && s.client_secret.is_none()
}

/// The configured ARM, connected as every `msi` command connects.
pub async fn configured(settings: &Settings) -> Result<ArmClient, Error> {
    let options = ConnectOptions {
        token_cache: TokenCache::default_location(),
        no_wait: false,
        chain: None,
    };
    settings.connect(&options).await
}

/// Start an emulator in a temporary directory and seed it: a resource group, a VM and a scale set (both without
/// an identity, as the guides start) and a user-assigned identity.
pub async fn embedded() -> Result<(ArmClient, Embedded), Error> {
    let (dir, emulator) = crate::emulator_cmd::start_embedded("msi-portal-").await?;
    let settings = crate::emulator_cmd::admin_settings(&emulator);
    let client = settings.client()?;
    seed(&client).await?;
    Ok((
        client,
        Embedded {
            emulator,
            _dir: dir,
        },
    ))
}

async fn seed(client: &ArmClient) -> Result<(), Error> {
    client.create_resource_group(SEED_GROUP, "westus").await?;
    let options = CreateOptions::default();
    client
        .create(&client.vm(SEED_GROUP, SEED_VM)?, &options)
        .await?;
    client
        .create(&client.vmss(SEED_GROUP, SEED_VMSS)?, &options)
        .await?;
    client
        .create_user_identity(SEED_GROUP, SEED_IDENTITY, None, None)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use msi_identity::Secret;

    #[test]
    fn any_connection_setting_means_configured() {
        assert!(nothing_configured(&Settings::default()));
        for s in [
            Settings {
                endpoint: Some("https://x".into()),
                ..Settings::default()
            },
            Settings {
                subscription_id: Some("s".into()),
                ..Settings::default()
            },
            Settings {
                access_token: Some(Secret::new("t")),
                ..Settings::default()
            },
            Settings {
                client_secret: Some(Secret::new("c")),
                ..Settings::default()
            },
        ] {
            assert!(!nothing_configured(&s));
        }
    }
}
