//! The simulator: a second, independent reading of the HRwise API document, served over HTTP
//! on loopback for tests and `demo`. It shares no types with the client (`crate::fetch`), so a
//! misreading of the document cannot hide in both.
