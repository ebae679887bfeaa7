//! The marketplace images the emulator knows: those az's image aliases name (`Ubuntu2204`,
//! `Win2022Datacenter`, `UbuntuLTS`, `Debian11`, ..., across azure-cli releases), each with the
//! versions a lookup lists. Names match case-insensitively and are answered as listed here.

/// One image SKU: `(publisher, offer, sku)` and what its versions say about themselves.
pub struct ImageSku {
    pub publisher: &'static str,
    pub offer: &'static str,
    pub sku: &'static str,
    /// `Linux` or `Windows`.
    pub os: &'static str,
    /// `V1` or `V2`.
    pub hyper_v: &'static str,
    pub architecture: &'static str,
    /// Oldest first.
    pub versions: &'static [&'static str],
}

const UBUNTU_JAMMY: &[&str] = &["22.04.202404090", "22.04.202409270", "22.04.202502040"];
const UBUNTU_NOBLE: &[&str] = &["24.04.202405140", "24.04.202409120", "24.04.202502040"];
const UBUNTU_FOCAL: &[&str] = &["20.04.202404080", "20.04.202409270", "20.04.202502040"];
const UBUNTU_BIONIC: &[&str] = &["18.04.202304070", "18.04.202306070"];
const DEBIAN_11: &[&str] = &["0.20240703.1797", "0.20250115.1993"];
const DEBIAN_12: &[&str] = &["0.20240703.1797", "0.20250115.1993"];
const DEBIAN_10: &[&str] = &["0.20230802.1460", "0.20240430.1733"];
const CENTOS: &[&str] = &["8.5.2022012100", "8.5.2022101800"];
const CENTOS_7: &[&str] = &["7.5.20180626", "7.5.20180815"];
const RHEL: &[&str] = &["8.8.2023081717", "8.9.2024022811"];
const SUSE: &[&str] = &["2023.09.21", "2024.02.07"];
const FLATCAR: &[&str] = &["3815.2.5", "4081.2.0"];
const AZURELINUX: &[&str] = &["4.0.20250101", "4.0.20250201"];
const WS2025: &[&str] = &["26100.2314.241107", "26100.3194.250210"];
const WS2022: &[&str] = &[
    "20348.2655.240905",
    "20348.2966.241205",
    "20348.3207.250210",
];
const WS2019: &[&str] = &[
    "17763.6189.240811",
    "17763.6775.250109",
    "17763.6893.250210",
];
const WS2016: &[&str] = &[
    "14393.7259.240811",
    "14393.7699.250109",
    "14393.7785.250210",
];
const WS2012: &[&str] = &["9600.21620.231004", "9600.21660.231107"];

macro_rules! sku {
    ($p:expr, $o:expr, $s:expr, $os:expr, $hv:expr, $arch:expr, $v:expr) => {
        ImageSku {
            publisher: $p,
            offer: $o,
            sku: $s,
            os: $os,
            hyper_v: $hv,
            architecture: $arch,
            versions: $v,
        }
    };
}

/// Every known SKU.
pub const IMAGES: &[ImageSku] = &[
    sku!(
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-gen2",
        "Linux",
        "V2",
        "x64",
        UBUNTU_JAMMY
    ),
    sku!(
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts",
        "Linux",
        "V1",
        "x64",
        UBUNTU_JAMMY
    ),
    sku!(
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-arm64",
        "Linux",
        "V2",
        "Arm64",
        UBUNTU_JAMMY
    ),
    sku!(
        "Canonical",
        "ubuntu-24_04-lts",
        "server",
        "Linux",
        "V2",
        "x64",
        UBUNTU_NOBLE
    ),
    sku!(
        "Canonical",
        "ubuntu-24_04-lts",
        "server-gen1",
        "Linux",
        "V1",
        "x64",
        UBUNTU_NOBLE
    ),
    sku!(
        "Canonical",
        "ubuntu-24_04-lts",
        "server-arm64",
        "Linux",
        "V2",
        "Arm64",
        UBUNTU_NOBLE
    ),
    sku!(
        "Canonical",
        "0001-com-ubuntu-server-focal",
        "20_04-lts-gen2",
        "Linux",
        "V2",
        "x64",
        UBUNTU_FOCAL
    ),
    sku!(
        "Canonical",
        "0001-com-ubuntu-server-focal",
        "20_04-lts",
        "Linux",
        "V1",
        "x64",
        UBUNTU_FOCAL
    ),
    sku!(
        "Canonical",
        "UbuntuServer",
        "18.04-LTS",
        "Linux",
        "V1",
        "x64",
        UBUNTU_BIONIC
    ),
    sku!(
        "Canonical",
        "UbuntuServer",
        "18_04-lts-gen2",
        "Linux",
        "V2",
        "x64",
        UBUNTU_BIONIC
    ),
    sku!(
        "Canonical",
        "UbuntuServer",
        "16.04-LTS",
        "Linux",
        "V1",
        "x64",
        UBUNTU_BIONIC
    ),
    sku!(
        "Debian",
        "debian-11",
        "11-backports-gen2",
        "Linux",
        "V2",
        "x64",
        DEBIAN_11
    ),
    sku!(
        "Debian",
        "debian-11",
        "11-gen2",
        "Linux",
        "V2",
        "x64",
        DEBIAN_11
    ),
    sku!("Debian", "debian-11", "11", "Linux", "V1", "x64", DEBIAN_11),
    sku!(
        "Debian",
        "debian-12",
        "12-gen2",
        "Linux",
        "V2",
        "x64",
        DEBIAN_12
    ),
    sku!("Debian", "debian-12", "12", "Linux", "V1", "x64", DEBIAN_12),
    sku!("Debian", "debian-10", "10", "Linux", "V1", "x64", DEBIAN_10),
    sku!(
        "OpenLogic",
        "CentOS",
        "8_5-gen2",
        "Linux",
        "V2",
        "x64",
        CENTOS
    ),
    sku!("OpenLogic", "CentOS", "7.5", "Linux", "V1", "x64", CENTOS_7),
    sku!("RedHat", "RHEL", "8-lvm-gen2", "Linux", "V2", "x64", RHEL),
    sku!("RedHat", "RHEL", "7-LVM", "Linux", "V1", "x64", RHEL),
    sku!(
        "SUSE",
        "openSUSE-leap-15-4",
        "gen2",
        "Linux",
        "V2",
        "x64",
        SUSE
    ),
    sku!("SUSE", "sles-15-sp3", "gen2", "Linux", "V2", "x64", SUSE),
    sku!("SUSE", "sles-15-sp5", "gen2", "Linux", "V2", "x64", SUSE),
    sku!(
        "kinvolk",
        "flatcar-container-linux-free",
        "stable-gen2",
        "Linux",
        "V2",
        "x64",
        FLATCAR
    ),
    sku!(
        "kinvolk",
        "flatcar-container-linux-free",
        "stable",
        "Linux",
        "V1",
        "x64",
        FLATCAR
    ),
    sku!(
        "microsoftazurelinux",
        "azurelinux-4",
        "4",
        "Linux",
        "V2",
        "x64",
        AZURELINUX
    ),
    sku!(
        "microsoftazurelinux",
        "azurelinux-4",
        "4-gen1",
        "Linux",
        "V1",
        "x64",
        AZURELINUX
    ),
    sku!(
        "microsoftazurelinux",
        "azurelinux-4",
        "4-arm64",
        "Linux",
        "V2",
        "Arm64",
        AZURELINUX
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2025-datacenter-azure-edition",
        "Windows",
        "V2",
        "x64",
        WS2025
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-g2",
        "Windows",
        "V2",
        "x64",
        WS2022
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter",
        "Windows",
        "V1",
        "x64",
        WS2022
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition",
        "Windows",
        "V2",
        "x64",
        WS2022
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition-core",
        "Windows",
        "V2",
        "x64",
        WS2022
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2019-datacenter-gensecond",
        "Windows",
        "V2",
        "x64",
        WS2019
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2019-Datacenter",
        "Windows",
        "V1",
        "x64",
        WS2019
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2016-datacenter-gensecond",
        "Windows",
        "V2",
        "x64",
        WS2016
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2016-Datacenter",
        "Windows",
        "V1",
        "x64",
        WS2016
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2012-R2-Datacenter",
        "Windows",
        "V1",
        "x64",
        WS2012
    ),
    sku!(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2012-Datacenter",
        "Windows",
        "V1",
        "x64",
        WS2012
    ),
];

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The publishers, each once, in catalogue order.
pub fn publishers() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for i in IMAGES {
        if !out.iter().any(|p| eq(p, i.publisher)) {
            out.push(i.publisher);
        }
    }
    out
}

/// The offers of a publisher (`None`: no such publisher).
pub fn offers(publisher: &str) -> Option<Vec<&'static str>> {
    let mut out: Vec<&'static str> = Vec::new();
    for i in IMAGES.iter().filter(|i| eq(i.publisher, publisher)) {
        if !out.iter().any(|o| eq(o, i.offer)) {
            out.push(i.offer);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The SKUs of an offer (`None`: no such offer).
pub fn skus(publisher: &str, offer: &str) -> Option<Vec<&'static ImageSku>> {
    let out: Vec<&'static ImageSku> = IMAGES
        .iter()
        .filter(|i| eq(i.publisher, publisher) && eq(i.offer, offer))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// One SKU.
pub fn sku(publisher: &str, offer: &str, sku: &str) -> Option<&'static ImageSku> {
    IMAGES
        .iter()
        .find(|i| eq(i.publisher, publisher) && eq(i.offer, offer) && eq(i.sku, sku))
}

/// Orders version names as the service's `$orderby=name` does: by their dotted numbers.
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aliases_of_az_resolve() {
        // (publisher, offer, sku) of az's aliases across releases.
        for (p, o, s) in [
            (
                "Canonical",
                "0001-com-ubuntu-server-jammy",
                "22_04-lts-gen2",
            ),
            ("Canonical", "ubuntu-24_04-lts", "server"),
            ("Canonical", "UbuntuServer", "18.04-LTS"),
            ("Debian", "debian-11", "11-backports-gen2"),
            ("Debian", "debian-12", "12-gen2"),
            ("OpenLogic", "CentOS", "8_5-gen2"),
            (
                "MicrosoftWindowsServer",
                "WindowsServer",
                "2022-datacenter-g2",
            ),
            (
                "MicrosoftWindowsServer",
                "WindowsServer",
                "2019-datacenter-gensecond",
            ),
            (
                "MicrosoftWindowsServer",
                "WindowsServer",
                "2016-datacenter-gensecond",
            ),
            (
                "microsoftwindowsserver",
                "windowsserver",
                "2012-r2-datacenter",
            ),
        ] {
            let i = sku(p, o, s).unwrap_or_else(|| panic!("{p}:{o}:{s}"));
            assert!(!i.versions.is_empty());
        }
        assert!(offers("Nobody").is_none());
        assert!(skus("Canonical", "nothing").is_none());
        assert!(publishers().contains(&"Canonical"));
    }

    #[test]
    fn versions_order_by_their_numbers() {
        use std::cmp::Ordering::*;
        assert_eq!(version_order("22.04.202502040", "22.04.202409270"), Greater);
        assert_eq!(version_order("17763.6893.250210", "17763.10.1"), Greater);
        assert_eq!(version_order("1.0", "1.0"), Equal);
        for i in IMAGES {
            let mut v = i.versions.to_vec();
            v.sort_by(|a, b| version_order(a, b));
            assert_eq!(v, i.versions, "{} is listed oldest first", i.sku);
        }
    }
}
