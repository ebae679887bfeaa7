//! Gives the Linux library its SONAME (`libmsi_identity.so`), so that a process that loaded it by full path (the
//! PowerShell module's loader under Mono) also resolves `DllImport("msi_identity")` / `dlopen("libmsi_identity.so")`
//! to it: glibc matches the SONAME of loaded objects.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmsi_identity.so");
    }
}
