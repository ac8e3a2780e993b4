//! Who acts on the controller: carried typed from the session to the history.

/// The person or part behind a request or a history line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Logged in with the hosting number and the console password.
    HostingManager,
    /// The provider's `planhost-controller` commands.
    Provider,
    /// The controller itself (status checks).
    Controller,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::HostingManager => "hosting_manager",
            Actor::Provider => "provider",
            Actor::Controller => "controller",
        }
    }

    /// Reads the name stored with a session; an unknown name is an error, never a guess.
    pub fn parse(s: &str) -> crate::Result<Actor> {
        match s {
            "hosting_manager" => Ok(Actor::HostingManager),
            "provider" => Ok(Actor::Provider),
            "controller" => Ok(Actor::Controller),
            other => Err(crate::Error::storage(format!("unknown actor '{other}'"))),
        }
    }
}
