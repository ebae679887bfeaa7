//! What the emulator seeds on first start: the tenant, the subscription and the admin service
//! principal, kept across restarts.

/// Display name of the seeded subscription.
pub const SUBSCRIPTION_NAME: &str = "Emulator Subscription";
/// Display name of the seeded admin service principal.
pub const ADMIN_NAME: &str = "msi-emulator-admin";

/// What was generated on first start and is kept across restarts.
pub struct Seed {
    pub tenant_id: String,
    pub subscription_id: String,
    pub admin_client_id: String,
    pub admin_object_id: String,
    pub admin_client_secret: String,
    /// The `p` query parameter of compute operation URLs.
    pub lro_p: String,
}
