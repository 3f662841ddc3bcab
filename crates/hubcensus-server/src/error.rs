//! The one error type of the server: a client's fault is a 4xx with a JSON body naming the
//! parameter and saying what would work; anything else is a bare 500 (logged, never shown).

use axum::http::StatusCode;
use hubcensus_query::QueryError;
use serde::Serialize;

#[derive(Debug)]
pub enum AppError {
    /// A parameter the request got wrong.
    BadParameter {
        parameter: String,
        message: String,
        hint: String,
    },
    /// No such model, organization, route or week.
    NotFound { message: String, hint: String },
    /// The store or the program failed: logged, answered with a bare 500.
    Internal(String),
}

/// The JSON body of an error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize)]
pub struct ErrorDetail {
    pub status: u16,
    /// The query or path parameter at fault, when one is.
    pub parameter: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl AppError {
    pub fn bad(parameter: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::BadParameter {
            parameter: parameter.to_owned(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadParameter { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let status = self.status().as_u16();
        let detail = match self {
            Self::BadParameter {
                parameter,
                message,
                hint,
            } => ErrorDetail {
                status,
                parameter: Some(parameter.clone()),
                message: message.clone(),
                hint: Some(hint.clone()),
            },
            Self::NotFound { message, hint } => ErrorDetail {
                status,
                parameter: None,
                message: message.clone(),
                hint: Some(hint.clone()),
            },
            Self::Internal(_) => ErrorDetail {
                status,
                parameter: None,
                message: "internal error (see the server's log)".to_owned(),
                hint: None,
            },
        };
        ErrorBody { error: detail }
    }
}

impl From<QueryError> for AppError {
    fn from(error: QueryError) -> Self {
        let hint = error.hint().unwrap_or_default();
        match &error {
            QueryError::UnknownModel { .. } => Self::NotFound {
                message: error.to_string(),
                hint,
            },
            QueryError::Invalid { parameter, .. } => Self::BadParameter {
                parameter: (*parameter).to_owned(),
                message: error.to_string(),
                hint,
            },
            QueryError::NoSnapshotAt { .. }
            | QueryError::EmptyRange
            | QueryError::NeedsTwoWindows { .. } => Self::BadParameter {
                parameter: "as_of".to_owned(),
                message: error.to_string(),
                hint,
            },
            _ if error.is_client_error() => Self::BadParameter {
                parameter: "request".to_owned(),
                message: error.to_string(),
                hint,
            },
            _ => {
                // The whole chain, for the log only.
                let mut text = error.to_string();
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    text.push_str(": ");
                    text.push_str(&cause.to_string());
                    source = cause.source();
                }
                Self::Internal(text)
            }
        }
    }
}
