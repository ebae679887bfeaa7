//! Gives the Linux library that cargo builds its SONAME (`libmsi_identity.so`), so that a process that loaded it by
//! full path (the PowerShell module's loader under Mono) also resolves `DllImport("msi_identity")` /
//! `dlopen("libmsi_identity.so")` to it: glibc matches the SONAME of loaded objects.
//!
//! Under cargo-c (`cargo cinstall`, which sets `CARGO_C_CARGO` for everything it runs) the SONAME is cargo-c's
//! versioned one (`libmsi_identity.so.0.1`): a build script's link arguments come after cargo-c's, so this one must
//! stay out of the way.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_C_CARGO");
    if std::env::var_os("CARGO_C_CARGO").is_some() {
        return;
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmsi_identity.so");
    }
}
