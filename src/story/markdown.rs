//! A step's Markdown as HTML that is safe to put in the page: raw HTML in the text is shown as
//! text, and links keep only web, mail and relative targets (no `javascript:`).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Whether a link target is allowed: http(s), mailto, or relative to the site.
fn safe_target(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        // a scheme comes before any '/', '?' or '#'
        Some(i) if !lower[..i].contains(['/', '?', '#']) => {
            lower.starts_with("https:")
                || lower.starts_with("http:")
                || lower.starts_with("mailto:")
        }
        _ => true,
    }
}

/// Markdown to HTML; raw HTML is escaped, unsafe link and image targets are dropped.
pub fn to_html(text: &str) -> String {
    let parser = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_target(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_target(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text_and_scripts_do_not_link() {
        let html = to_html(
            "Hi <script>alert(1)</script> [x](javascript:alert(1)) [y](https://example.org)",
        );
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("href=\"https://example.org\""));
    }

    #[test]
    fn paragraphs_emphasis_and_quotes() {
        let html = to_html("According to the source, *“safe haven”*.\n\n> quoted");
        assert!(html.contains("<p>According to the source, <em>“safe haven”</em>.</p>"));
        assert!(html.contains("<blockquote>"));
    }
}
