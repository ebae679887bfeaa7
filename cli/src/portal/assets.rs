//! The page itself: static HTML, CSS and JavaScript modules compiled into the binary (no framework, nothing
//! fetched at run time).

use crate::portal::state::Shared;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// (path, content type, text) of every file the page is made of.
const FILES: [(&str, &str, &str); 7] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("web/index.html"),
    ),
    (
        "/portal.css",
        "text/css; charset=utf-8",
        include_str!("web/portal.css"),
    ),
    ("/app.js", JS, include_str!("web/app.js")),
    ("/ui.js", JS, include_str!("web/ui.js")),
    ("/resources.js", JS, include_str!("web/resources.js")),
    ("/blade.js", JS, include_str!("web/blade.js")),
    ("/identities.js", JS, include_str!("web/identities.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

pub fn router() -> Router<Shared> {
    FILES.iter().fold(Router::new(), |r, (path, ty, text)| {
        r.route(
            path,
            get(move || async move { ([(header::CONTENT_TYPE, *ty)], *text).into_response() }),
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_module_the_page_imports_is_served() {
        for (path, _, text) in super::FILES {
            for line in text
                .lines()
                .filter(|l| l.trim_start().starts_with("import "))
            {
                let from = line.rsplit(['"', '\'']).nth(1).unwrap_or_default();
                let served = super::FILES
                    .iter()
                    .any(|(p, _, _)| *p == from.trim_start_matches('.'));
                assert!(served, "{path} imports {from}, which is not served");
            }
        }
    }
}
