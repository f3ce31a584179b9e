//! One module per subcommand.

pub mod batch;
pub mod completions;
pub mod flow;
pub mod invoke;
pub mod mock;
pub mod verify;
pub mod wait;
