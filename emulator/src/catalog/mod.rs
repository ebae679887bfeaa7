//! The bottom layer's constants and catalogues: ARM's error messages, the api-versions of each
//! resource provider, the Azure regions, the built-in roles, the marketplace images, and what is seeded on first start. Nothing here knows about
//! requests or the store.

pub mod api_version;
pub mod errors;
pub mod images;
pub mod regions;
pub mod roles;
pub mod seed;
