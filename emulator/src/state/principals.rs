//! Principals that belong to resources: deleting a resource forgets its identities' principals.

use super::{identities, machines};
use crate::catalog::errors::ArmError;
use crate::store::{Row, Tx};

/// Forgets the principals of deleted resources (system-assigned and user-assigned identities).
pub fn forget_principals(tx: &Tx<'_>, rows: &[Row]) -> Result<(), ArmError> {
    for row in rows {
        machines::forget_principal(tx, row)?;
        identities::forget_principal(tx, row)?;
    }
    Ok(())
}
