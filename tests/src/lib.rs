//! Workflows and fixtures shared by the end-to-end tests.
