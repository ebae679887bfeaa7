//! The flags of `msi portal`.

use clap::Args;
use std::net::IpAddr;

#[derive(Args, Debug)]
pub struct PortalArgs {
    /// TCP port to serve on [default: 0, a free port]
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Only print the URL; do not open a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Address to bind; anything but a loopback address exposes the page (and your Azure access) to the network
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
}
