//! MPI error classes (MPICH's numbering, which mpi4py exposes as `MPI.ERR_*`)
//! and the error type every fallible operation returns.

use std::fmt;

/// An MPI error class. The numbers are MPICH's, so `MPI.ERR_RANK == 6` as under
/// mpi4py on MPICH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    Buffer = 1,
    Count = 2,
    Type = 3,
    Tag = 4,
    Comm = 5,
    Rank = 6,
    Root = 7,
    Group = 8,
    Op = 9,
    Topology = 10,
    Dims = 11,
    Arg = 12,
    Unknown = 13,
    Truncate = 14,
    Other = 15,
    Intern = 16,
    InStatus = 17,
    Pending = 18,
    Request = 19,
}

impl ErrorClass {
    pub const ALL: [ErrorClass; 19] = [
        ErrorClass::Buffer,
        ErrorClass::Count,
        ErrorClass::Type,
        ErrorClass::Tag,
        ErrorClass::Comm,
        ErrorClass::Rank,
        ErrorClass::Root,
        ErrorClass::Group,
        ErrorClass::Op,
        ErrorClass::Topology,
        ErrorClass::Dims,
        ErrorClass::Arg,
        ErrorClass::Unknown,
        ErrorClass::Truncate,
        ErrorClass::Other,
        ErrorClass::Intern,
        ErrorClass::InStatus,
        ErrorClass::Pending,
        ErrorClass::Request,
    ];

    /// The `MPI.ERR_*` name without the prefix.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Buffer => "ERR_BUFFER",
            ErrorClass::Count => "ERR_COUNT",
            ErrorClass::Type => "ERR_TYPE",
            ErrorClass::Tag => "ERR_TAG",
            ErrorClass::Comm => "ERR_COMM",
            ErrorClass::Rank => "ERR_RANK",
            ErrorClass::Root => "ERR_ROOT",
            ErrorClass::Group => "ERR_GROUP",
            ErrorClass::Op => "ERR_OP",
            ErrorClass::Topology => "ERR_TOPOLOGY",
            ErrorClass::Dims => "ERR_DIMS",
            ErrorClass::Arg => "ERR_ARG",
            ErrorClass::Unknown => "ERR_UNKNOWN",
            ErrorClass::Truncate => "ERR_TRUNCATE",
            ErrorClass::Other => "ERR_OTHER",
            ErrorClass::Intern => "ERR_INTERN",
            ErrorClass::InStatus => "ERR_IN_STATUS",
            ErrorClass::Pending => "ERR_PENDING",
            ErrorClass::Request => "ERR_REQUEST",
        }
    }

    /// MPICH's short description, the first line of its error strings.
    pub fn description(self) -> &'static str {
        match self {
            ErrorClass::Buffer => "Invalid buffer pointer",
            ErrorClass::Count => "Invalid count",
            ErrorClass::Type => "Invalid datatype",
            ErrorClass::Tag => "Invalid tag",
            ErrorClass::Comm => "Invalid communicator",
            ErrorClass::Rank => "Invalid rank",
            ErrorClass::Root => "Invalid root",
            ErrorClass::Group => "Invalid group",
            ErrorClass::Op => "Invalid MPI_Op",
            ErrorClass::Topology => "Invalid topology",
            ErrorClass::Dims => "Invalid dimension argument",
            ErrorClass::Arg => "Invalid argument",
            ErrorClass::Unknown => "Unknown error",
            ErrorClass::Truncate => "Message truncated",
            ErrorClass::Other => "Other MPI error",
            ErrorClass::Intern => "Internal MPI error!",
            ErrorClass::InStatus => "See the MPI_ERROR field in MPI_Status for the error code",
            ErrorClass::Pending => "Pending request (no error)",
            ErrorClass::Request => "Invalid MPI_Request",
        }
    }

    pub fn from_code(code: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|c| *c as i32 == code)
    }
}

/// Why an MPI operation did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MpiError {
    /// The call was erroneous: the user sees `MPI.Exception` of this class.
    Mpi { class: ErrorClass, message: String },
    /// The run is ending (a rank failed or aborted, or it was stopped); the rank
    /// must unwind without reporting anything of its own.
    Stopped,
}

impl MpiError {
    /// An error whose text reads like MPICH's error stack: the class description,
    /// the call, and the detail (e.g. "Invalid rank has value 9 but must be
    /// nonnegative and less than 9").
    pub fn new(class: ErrorClass, call: &str, detail: impl fmt::Display) -> Self {
        MpiError::Mpi { class, message: format!("{}, error stack:\n{call} failed\n{detail}", class.description()) }
    }
}

impl fmt::Display for MpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MpiError::Mpi { message, .. } => f.write_str(message),
            MpiError::Stopped => f.write_str("the run was stopped"),
        }
    }
}

impl std::error::Error for MpiError {}

pub type Result<T, E = MpiError> = std::result::Result<T, E>;
