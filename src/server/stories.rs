//! `GET /stories/{id}`: a story's page, rendered on the server from the story the current
//! data checked (the last good one when a reload failed).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;
use crate::story::{PageMode, story_page};

pub async fn story(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stories = state.stories.load_full();
    let Some(story) = stories.get(&id) else {
        let shown: String = id.chars().take(40).collect();
        let ids: Vec<String> = stories
            .0
            .iter()
            .map(|s| format!("/stories/{}", s.id))
            .collect();
        return Err(
            ApiError::not_found(format!("no story '{shown}'")).hint(if ids.is_empty() {
                "this data has no stories; add a [[story]] to the catalog".to_string()
            } else {
                format!("stories: {}", ids.join(", "))
            }),
        );
    };
    let page = story_page(story, &state.dataset.load(), PageMode::Server);
    let mut res = page.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}
