//! Who acts on the controller, carried typed from the session to the route check and the history.

use crate::api::{ConsoleScope, Pane, UserStatus};

/// An administrator logged in with its own login: its status and the scope of its console access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Administrator {
    pub user_id: i64,
    pub login: String,
    pub status: UserStatus,
    pub scope: ConsoleScope,
    /// The administrator who created this one (a delegated administrator); none when the hosting manager did.
    pub parent_id: Option<i64>,
    /// Logged in with a given password: only choosing its own is allowed until then.
    pub must_change_password: bool,
}

/// The person or part behind a request or a history line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Logged in with the hosting number and the console password: every pane, every planning.
    HostingManager,
    /// A superadministrator or base administrator with console access, within its scope.
    Administrator(Administrator),
    /// The provider's `planhost-controller` commands.
    Provider,
    /// The controller itself (status checks).
    Controller,
}

/// What a route touches, beyond its pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// Nothing planning-specific (what it returns is filtered to the actor's plannings).
    Nothing,
    /// One planning.
    Planning(i64),
    /// The whole account: the controller's settings, new plannings, seats shared by every planning.
    Account,
}

impl Actor {
    /// The kind, as written in the history and the session table.
    pub fn as_str(&self) -> &'static str {
        match self {
            Actor::HostingManager => "hosting_manager",
            Actor::Administrator(a) => a.status.as_str(),
            Actor::Provider => "provider",
            Actor::Controller => "controller",
        }
    }

    pub fn login(&self) -> Option<&str> {
        match self {
            Actor::Administrator(a) => Some(&a.login),
            _ => None,
        }
    }

    pub fn administrator(&self) -> Option<&Administrator> {
        match self {
            Actor::Administrator(a) => Some(a),
            _ => None,
        }
    }

    /// The panes and plannings this actor reaches.
    pub fn scope(&self) -> ConsoleScope {
        match self {
            Actor::HostingManager => ConsoleScope::everything(),
            Actor::Administrator(a) => a.scope.clone(),
            Actor::Provider | Actor::Controller => ConsoleScope {
                panes: Vec::new(),
                plannings: Some(Vec::new()),
            },
        }
    }

    /// The one rule every route goes through: its pane, and what it touches there.
    pub fn allows(&self, pane: Pane, touch: Touch) -> bool {
        match self {
            Actor::HostingManager => true,
            Actor::Administrator(a) => {
                let scope = &a.scope;
                scope.has_pane(pane)
                    && match touch {
                        Touch::Nothing => true,
                        Touch::Planning(id) => scope.has_planning(id),
                        Touch::Account => scope.plannings.is_none(),
                    }
            }
            Actor::Provider | Actor::Controller => false,
        }
    }

    /// Whether a planning shows in this actor's lists.
    pub fn sees_planning(&self, id: i64) -> bool {
        match self {
            Actor::Administrator(a) => a.scope.has_planning(id),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(panes: &[Pane], plannings: Option<Vec<i64>>) -> Actor {
        Actor::Administrator(Administrator {
            user_id: 7,
            login: "a".into(),
            status: UserStatus::Superadministrator,
            scope: ConsoleScope {
                panes: panes.to_vec(),
                plannings,
            },
            parent_id: None,
            must_change_password: false,
        })
    }

    #[test]
    fn an_administrator_is_held_to_its_panes_and_plannings() {
        let delegated = admin(&[Pane::Controller], Some(vec![1]));
        assert!(delegated.allows(Pane::Controller, Touch::Nothing));
        assert!(delegated.allows(Pane::Controller, Touch::Planning(1)));
        assert!(!delegated.allows(Pane::Controller, Touch::Planning(2)));
        assert!(
            !delegated.allows(Pane::Controller, Touch::Account),
            "the account is every planning"
        );
        assert!(!delegated.allows(Pane::Configuration, Touch::Nothing));
        let full = admin(&Pane::ALL, None);
        assert!(full.allows(Pane::Configuration, Touch::Account));
        assert!(Actor::HostingManager.allows(Pane::History, Touch::Planning(9)));
        assert!(!Actor::Provider.allows(Pane::Controller, Touch::Nothing));
        assert!(delegated.sees_planning(1) && !delegated.sees_planning(2) && full.sees_planning(2));
    }
}
