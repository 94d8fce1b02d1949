//! Host functions that take and give tapes, defined with wasmtime's
//! `func_wrap`.
//!
//! wasmtime reads a host function's arguments through `Lift`, which has no
//! `self`, before it calls the host's closure: [`HostArgs`] loads them onto
//! a tape that borrows the guest's memory, and [`define`]'s body gets it
//! while the guest waits for the call to return, when nothing can move or
//! change that memory. The body's result tape is stored back through
//! `Lower`, which does have `self`.
//!
//! wasmtime 48 passes flat arguments to `Lift` as exactly as many slots as
//! the function's real parameters need and checks that `Lower` is not
//! larger, so a host function is defined with one of 17 instantiations of
//! `HostArgs<N>` (no arguments to 16 flat ones; spilled arguments come from
//! memory whatever `N` is, and use `HostArgs<0>`) and one of two of
//! `HostResults<N>` (a flat result, or none: a spilled result is stored
//! through the pointer the guest passed).

use std::mem::MaybeUninit;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasmtime::component::__internal::wasmtime_environ::component::{
    MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};
use wasmtime::component::__internal::{
    CanonicalAbiInfo, ComponentTypes, InstanceType, InterfaceType, LiftContext, LowerContext,
};
use wasmtime::component::{ComponentNamedList, ComponentType, Lift, LinkerInstance, Lower};
use wasmtime::{StoreContextMut, ValRaw};

use super::internal;
use super::load::{FlatIn, Loader};
use super::scope;
use super::store::{FlatOut, Storer};
use super::tape::Tape;
use super::typecheck::WitTypes;

/// A host function's arguments, as its body gets them.
pub struct HostCall {
    /// The arguments, in order. Its strings and lists borrow the guest's
    /// memory: the body must be done with them before it returns.
    pub tape: Tape,
    /// wasmtime's types of the component, and of the parameters in them.
    pub types: Arc<ComponentTypes>,
    pub params: InterfaceType,
}

/// Defines the host function `name` in `linker`, with WIT types `sig`,
/// whose `body` maps the arguments' tape to the result's tape.
///
/// The function is type-checked against `sig` by wasmtime at
/// instantiation (its flat shape) and here at its first call (every type).
pub fn define<T, F>(
    linker: &mut LinkerInstance<'_, T>,
    name: &str,
    sig: Arc<WitTypes>,
    body: F,
) -> wasmtime::Result<()>
where
    T: 'static,
    F: Fn(StoreContextMut<'_, T>, &HostCall) -> wasmtime::Result<Tape> + Send + Sync + 'static,
{
    let flat_params = sig.flat_params().unwrap_or(0);
    let flat_result = sig.flat_results() == Some(1);
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match (flat_params, flat_result) {
                $(
                    ($n, false) => define_shaped::<T, F, $n, 0>(linker, name, sig, body),
                    ($n, true) => define_shaped::<T, F, $n, 1>(linker, name, sig, body),
                )*
                _ => Err(internal(format!("{flat_params} flat parameters"))),
            }
        };
    }
    dispatch!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

/// What a host function has checked of its types so far.
struct Checked {
    sig: Arc<WitTypes>,
    params: AtomicBool,
    results: AtomicBool,
}

fn define_shaped<T, F, const P: usize, const R: usize>(
    linker: &mut LinkerInstance<'_, T>,
    name: &str,
    sig: Arc<WitTypes>,
    body: F,
) -> wasmtime::Result<()>
where
    T: 'static,
    F: Fn(StoreContextMut<'_, T>, &HostCall) -> wasmtime::Result<Tape> + Send + Sync + 'static,
{
    let checked = Arc::new(Checked {
        sig,
        params: AtomicBool::new(false),
        results: AtomicBool::new(false),
    });
    let function = name.to_owned();
    linker.func_wrap(
        name,
        move |store: StoreContextMut<'_, T>,
              args: HostArgs<P>|
              -> wasmtime::Result<HostResults<R>> {
            let call = args.0;
            if !checked.params.load(Ordering::Acquire) {
                checked
                    .sig
                    .check_params(&call.params, &call.types)
                    .map_err(|e| mismatch(&function, e))?;
                checked.params.store(true, Ordering::Release);
            }
            let tape = body(store, &call)?;
            let verify = (!checked.results.load(Ordering::Acquire))
                .then(|| (checked.clone(), function.clone()));
            Ok(HostResults { tape, verify })
        },
    )
}

fn mismatch(function: &str, what: String) -> wasmtime::Error {
    internal(format!(
        "the WIT of the import {function} does not match the component's types ({what})"
    ))
}

/// Checks that `ty`, a function's parameters or results (`what`), passes
/// as `n` flat values (at most `max`), or spills (`n` is 0): the shape a
/// host function was defined with. The types themselves are checked at
/// the function's first call (see [`define`]).
fn check_flat_shape(
    ty: &InterfaceType,
    types: &InstanceType<'_>,
    n: usize,
    max: usize,
    what: &str,
) -> wasmtime::Result<()> {
    let InterfaceType::Tuple(i) = ty else {
        return Err(internal(format!("{what} that are not a tuple")));
    };
    match types.types[*i].abi.flat_count(max) {
        Some(real) if real == n => Ok(()),
        None if n == 0 => Ok(()),
        real => Err(internal(format!(
            "a host function defined for {n} flat {what} imported with {real:?}"
        ))),
    }
}

/// The arguments of a host function with `N` flat parameters.
pub struct HostArgs<const N: usize>(HostCall);

// SAFETY: `Lower` is exactly the `N` slots of the function's flat
// parameters, which `typecheck` checks against the real parameters.
unsafe impl<const N: usize> ComponentType for HostArgs<N> {
    type Lower = [ValRaw; N];
    /// Zero-sized, so that spilled arguments reach `linear_lift_from_memory`
    /// as an empty slice at their offset.
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::ZERO;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        check_flat_shape(ty, types, N, MAX_FLAT_PARAMS, "parameters")
    }
}

// SAFETY: as for `ComponentType`: this is the parameter list.
unsafe impl<const N: usize> ComponentNamedList for HostArgs<N> {}

// SAFETY: reads only what the real parameter types say, with every pointer
// and length the guest gave checked.
unsafe impl<const N: usize> Lift for HostArgs<N> {
    fn linear_lift_from_flat(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        scope::options(|options| {
            let mut tape = Tape::new();
            Loader::new(cx, options).flat(cx, ty, &mut FlatIn::new(src), &mut tape)?;
            Ok(HostArgs(HostCall {
                tape,
                types: cx.types.clone(),
                params: ty,
            }))
        })
    }

    fn linear_lift_from_memory(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        // `bytes` is the empty slice (our size is 0) at the arguments'
        // offset, which wasmtime checked against their real size.
        let offset = (bytes.as_ptr() as usize)
            .checked_sub(cx.memory().as_ptr() as usize)
            .ok_or_else(|| internal("spilled arguments outside the guest's memory"))?;
        scope::options(|options| {
            let mut tape = Tape::new();
            Loader::new(cx, options).mem(cx, ty, offset, &mut tape)?;
            Ok(HostArgs(HostCall {
                tape,
                types: cx.types.clone(),
                params: ty,
            }))
        })
    }
}

/// A host function's result, `N` flat slots of it (0: none, or stored
/// through the guest's pointer).
pub struct HostResults<const N: usize> {
    tape: Tape,
    /// Set until the results' types were checked once.
    verify: Option<(Arc<Checked>, String)>,
}

impl<const N: usize> HostResults<N> {
    fn check(&self, ty: &InterfaceType, types: &ComponentTypes) -> wasmtime::Result<()> {
        if let Some((checked, function)) = &self.verify {
            checked
                .sig
                .check_results(ty, types)
                .map_err(|e| mismatch(function, e))?;
            checked.results.store(true, Ordering::Release);
        }
        Ok(())
    }
}

// SAFETY: `Lower` is the `N` slots of the function's flat result, which
// `typecheck` checks against the real result.
unsafe impl<const N: usize> ComponentType for HostResults<N> {
    type Lower = [ValRaw; N];
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::ZERO;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        check_flat_shape(ty, types, N, MAX_FLAT_RESULTS, "results")
    }
}

// SAFETY: as for `ComponentType`: this is the result list.
unsafe impl<const N: usize> ComponentNamedList for HostResults<N> {}

// SAFETY: writes the `N` slots, or memory at the offset wasmtime checked,
// following the real result types.
unsafe impl<const N: usize> Lower for HostResults<N> {
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> wasmtime::Result<()> {
        self.check(&ty, cx.types)?;
        dst.write([ValRaw::u64(0); N]);
        // SAFETY: one layout, and every slot was just initialized.
        let slots = unsafe { &mut *dst.as_mut_ptr().cast::<[MaybeUninit<ValRaw>; N]>() };
        let mut src = self.tape.reader();
        Storer::new(cx).flat(ty, &mut src, &mut FlatOut::new(slots))?;
        src.finish()
    }

    fn linear_lower_to_memory<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        offset: usize,
    ) -> wasmtime::Result<()> {
        self.check(&ty, cx.types)?;
        let mut src = self.tape.reader();
        Storer::new(cx).mem(ty, &mut src, offset)?;
        src.finish()
    }
}
