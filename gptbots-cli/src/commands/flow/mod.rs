//! `gptbots flow`: reading `.flow` exports.

pub mod generate;
pub mod inspect;
