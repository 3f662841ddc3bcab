//! One module per view: a query type (what to compute), a result type (`Serialize`, with its
//! `schema` name `hubcensus.<view>/<major>`), and the function that computes it.

pub mod churn;
pub mod coverage;
pub mod derivatives;
pub mod evidence;
pub mod lineage;
pub mod report;
pub mod shares;
pub mod top;
pub mod who;
pub mod windows;
