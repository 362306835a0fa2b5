//! Suggestions for the free-text fields of the basic information: 细分领域 and 主导产品 of an
//! industry class, from what enterprises of that class already entered. Thin, like
//! [`super::handlers`].
//!
//! These need a login (any account): unlike the code lists (`/industries`, `/regions`), the
//! answers are made of what enterprises typed, and the only form that uses them (the edit of
//! the basic information) is behind a login anyway, so nothing is gained by letting anyone
//! page through them anonymously. The answers are bounded (at most 20 entries).

use crate::api::extract::{AppState, Auth, Q};
use crate::api::reply::{R, ok};
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

/// `?prefix=` of the segment suggestions.
#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct SegmentQuery {
    /// What the user has typed so far (empty: the first entries).
    #[serde(default)]
    pub prefix: String,
}

/// `?segment=&prefix=` of the product suggestions.
#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// The 细分领域 the products should come from (empty: the whole class).
    #[serde(default)]
    pub segment: Option<String>,
    /// What the user has typed so far (empty: the first entries).
    #[serde(default)]
    pub prefix: String,
}

/// Suggested values of a free-text field, alphabetical, at most 20.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestions {
    pub suggestions: Vec<String>,
}

/// 细分领域 that enterprises of the class `{code}` entered, starting with `prefix`.
pub async fn segment_suggestions(
    State(st): State<AppState>,
    Auth(_s): Auth,
    Path(code): Path<String>,
    Q(q): Q<SegmentQuery>,
) -> R {
    ok(Suggestions {
        suggestions: st.svc.segment_suggestions(&code, &q.prefix).await?,
    })
}

/// 主导产品 that enterprises of the class `{code}` (and `segment`) entered, starting with
/// `prefix`.
pub async fn product_suggestions(
    State(st): State<AppState>,
    Auth(_s): Auth,
    Path(code): Path<String>,
    Q(q): Q<ProductQuery>,
) -> R {
    ok(Suggestions {
        suggestions: st
            .svc
            .product_suggestions(&code, q.segment.as_deref(), &q.prefix)
            .await?,
    })
}
