//! Headless Chromium over WebDriver (Debian's `chromium` and `chromedriver`), driven with fantoccini, plus the
//! few moves the portal tests make: click, wait for the page to be idle, read text, save a screenshot.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `chromedriver` on a free port; stopped when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

fn find(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

impl Driver {
    pub fn start() -> Driver {
        let exe = find("CHROMEDRIVER", &["chromedriver"]).expect(
            "chromedriver is not installed: run cli/tests/portal/run.sh (it installs Debian's chromium-driver)",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }

    /// A headless browser session.
    pub async fn session(&self) -> Client {
        let browser = find(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        )
        .expect("chromium is not installed: run cli/tests/portal/run.sh");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": browser,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,900", "--no-first-run", "--no-default-browser-check"],
            }
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser, and where its screenshots go.
pub struct Page {
    pub c: Client,
    pub shots: PathBuf,
    n: u32,
}

impl Page {
    pub fn new(c: Client) -> Page {
        let shots = std::env::var_os("PORTAL_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                    .parent()
                    .unwrap()
                    .join("portal-screenshots")
            });
        std::fs::create_dir_all(&shots).unwrap();
        Page { c, shots, n: 0 }
    }

    pub async fn click(&self, css: &str) {
        let e = self.wait_for_element(css).await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("click {css}: {err}"));
    }

    pub async fn wait_for_element(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                return e;
            }
            assert!(Instant::now() < deadline, "no element {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.unwrap()
    }

    /// Wait until `condition` (a JavaScript expression) is true.
    pub async fn until(&self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.js(&format!("return !!({condition});")).await == Value::Bool(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {condition}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until no operation runs (the page marks one with `data-busy` on <body>).
    pub async fn idle(&self) {
        self.until("document.body.dataset.busy === undefined").await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for_element(css).await.text().await.unwrap()
    }

    pub async fn status(&self) -> String {
        self.text("#status").await
    }

    /// The error box's fields, or None when no error is shown.
    pub async fn error(&self) -> Option<Value> {
        let v = self
            .js("const b = document.getElementById('error'); if (b.hidden) return null; \
                 const f = (c) => (b.querySelector(c) || {}).textContent || null; \
                 return {code: f('.err-code'), message: f('.err-message'), requestId: f('.err-request-id'), status: f('.err-http-status')};")
            .await;
        (!v.is_null()).then_some(v)
    }

    /// Save a numbered screenshot; returns its path.
    pub async fn shot(&mut self, name: &str) -> PathBuf {
        self.n += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.n));
        std::fs::write(&path, self.c.screenshot().await.unwrap()).unwrap();
        path
    }
}
