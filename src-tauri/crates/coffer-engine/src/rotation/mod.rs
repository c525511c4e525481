//! Rotation: AWS's four-step protocol, schedules, and the background scheduler.

mod rotator;

pub use rotator::{
    ApiAccess, CommandRotatorFactory, FunctionDefinition, RotationEvent, RotationFailure,
    RotationStep, Rotator, RotatorRegistry,
};
