//! `msi portal --no-browser` as a child process, and an HTTP client that talks to it as a browser would (its
//! cookie, its Origin), for the portal's API and browser tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Portal {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The URL printed, token included.
    pub url: String,
    pub token: String,
    /// Everything printed up to the URL.
    pub banner: String,
}

impl Portal {
    /// Start `cmd` (an `msi ... portal --no-browser` command) and wait for the URL it prints.
    pub fn spawn(mut cmd: Command) -> Portal {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("msi portal starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = String::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    banner.push_str(&line);
                    banner.push('\n');
                    if let Some(url) = line.strip_prefix("msi portal: open ") {
                        let url = url.trim().to_string();
                        let base = url.split("/?").next().unwrap().to_string();
                        let token = url.rsplit("token=").next().unwrap().to_string();
                        return Portal {
                            child,
                            base,
                            url,
                            token,
                            banner,
                        };
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("msi portal printed no URL ({e}); it printed:\n{banner}");
                }
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// The cookie the page holds after opening the printed URL.
    pub fn cookie(&self) -> String {
        format!("msi_portal_{}={}", self.port(), self.token)
    }

    /// A request as the page sends it: the cookie, and on writes its own Origin and a JSON body.
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let mut r = http()
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("cookie", self.cookie());
        if method != "GET" {
            r = r
                .header("origin", &self.base)
                .header("content-type", "application/json");
        }
        r
    }

    /// Stop it as Ctrl-C would (SIGTERM), so that an embedded emulator shuts down and removes its directory.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        self.child.wait().unwrap()
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP client that follows no redirect and keeps no cookie (each test says what it sends).
pub fn http() -> reqwest::Client {
    // Installs the TLS crypto provider reqwest is built to expect.
    let _ = msi_identity::HttpClient::new(None);
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// (status, JSON body) of a request.
pub async fn send(r: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}
