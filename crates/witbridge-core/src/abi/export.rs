//! Calling a guest's export with a tape of arguments, through wasmtime's
//! typed API.
//!
//! [`TypedExport::new`] type-checks the function once against its WIT
//! types; [`TypedExport::call`] stores the arguments into the guest (flat,
//! or spilled to memory past 16 core values), runs it, and hands the
//! results to a [`Receive`] while they are still in the guest's memory:
//! wasmtime runs the guest's `post-return` (which frees them) right after.
//!
//! Two facts of wasmtime 48's `TypedFunc` shape the types here. It decides
//! between flat and spilled arguments from `Params::Lower`'s size, and
//! `ExportArgs` always claims 16 flat slots: when the real arguments spill,
//! `linear_lower_to_flat` allocates and stores them itself and puts the
//! pointer in the first slot, which is what the core function takes. And a
//! result of more than one core value reaches `Lift` as one slot holding
//! the pointer the guest returned, so `ExportResults<1>` serves both that
//! and a single flat result; `ExportResults<0>` is for no result.

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use wasmtime::component::__internal::wasmtime_environ::component::{
    MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};
use wasmtime::component::__internal::{
    CanonicalAbiInfo, InstanceType, InterfaceType, LiftContext, LowerContext,
};
use wasmtime::component::{ComponentNamedList, ComponentType, Func, Lift, Lower, TypedFunc};
use wasmtime::{AsContext, AsContextMut, ValRaw};

use super::internal;
use super::load::{FlatIn, LoadOptions, Loader};
use super::scope::{self, Slot};
use super::store::{FlatOut, Storer};
use super::tape::Tape;
use super::typecheck::WitTypes;

/// Takes a call's results while they are in the guest's memory.
pub trait Receive {
    /// `results` holds the function's result (or nothing), and borrows the
    /// guest's memory: make what you need of it now.
    fn receive(&mut self, results: &Tape) -> wasmtime::Result<()>;
}

thread_local! {
    /// The WIT types `ExportArgs`/`ExportResults::typecheck` check against.
    static CHECKING: Slot<WitTypes> = const { Slot::new() };
}

/// An export, type-checked for calls with tapes.
#[derive(Debug, Clone, Copy)]
pub struct TypedExport {
    func: Func,
    has_result: bool,
}

impl TypedExport {
    /// Checks `func` against its WIT types `sig`; the error says where
    /// they differ.
    pub fn new(func: Func, store: impl AsContext, sig: &WitTypes) -> wasmtime::Result<Self> {
        let has_result = !sig.results.is_empty();
        let check = || {
            if has_result {
                func.typed::<ExportArgs<'static>, ExportResults<1>>(&store)
                    .map(drop)
            } else {
                func.typed::<ExportArgs<'static>, ExportResults<0>>(&store)
                    .map(drop)
            }
        };
        // SAFETY: `typecheck` reads the slot while `func.typed` runs, inside.
        unsafe { scope::set(&CHECKING, NonNull::from(sig), check) }?;
        Ok(TypedExport { func, has_result })
    }

    pub fn func(&self) -> Func {
        self.func
    }

    /// Calls the export with the arguments on `args`; the results go to
    /// `receiver`, and what the guest hands the host (its results, its
    /// imports' arguments) is read with `options`.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        args: &Tape,
        options: &LoadOptions,
        receiver: &mut dyn Receive,
    ) -> wasmtime::Result<()> {
        let args = ExportArgs { tape: args };
        // SAFETY: only the lifetime is erased; the slot holds the receiver
        // only while `call` below runs, and `ExportResults` takes it from
        // there during that call.
        let receiver: NonNull<dyn Receive> = unsafe {
            std::mem::transmute::<NonNull<dyn Receive + '_>, NonNull<dyn Receive + 'static>>(
                NonNull::from(receiver),
            )
        };
        let call = || {
            // SAFETY: `new` type-checked `func` for exactly these types; the
            // lifetime of `ExportArgs` takes no part in the check.
            if self.has_result {
                let typed = unsafe {
                    TypedFunc::<ExportArgs<'_>, ExportResults<1>>::new_unchecked(self.func)
                };
                typed.call(&mut store, args).map(drop)
            } else {
                let typed = unsafe {
                    TypedFunc::<ExportArgs<'_>, ExportResults<0>>::new_unchecked(self.func)
                };
                typed.call(&mut store, args).map(drop)
            }
        };
        // SAFETY: see above.
        unsafe { scope::crossing(options, Some(receiver), call) }
    }
}

/// Every argument of an export call, on one tape.
#[derive(Clone, Copy)]
pub struct ExportArgs<'t> {
    tape: &'t Tape,
}

// SAFETY: `Lower` is 16 `ValRaw`s, as many as the flat ABI can pass; see
// the module docs for how spilled arguments use the first. `typecheck`
// checks the real parameters against their WIT types, and lowering follows
// wasmtime's own types of them.
unsafe impl ComponentType for ExportArgs<'_> {
    type Lower = [ValRaw; MAX_FLAT_PARAMS];
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::ZERO;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        scope::with(&CHECKING, |sig| match sig {
            Some(sig) => sig
                .check_params(ty, types.types)
                .map_err(wasmtime::Error::msg),
            None => Err(internal("an export type-checked outside TypedExport::new")),
        })
    }
}

// SAFETY: as for `ComponentType`: this is the parameter list.
unsafe impl ComponentNamedList for ExportArgs<'_> {}

// SAFETY: every one of the 16 slots is written (zeros where the function
// takes fewer), and the flat values follow the function's real types.
unsafe impl Lower for ExportArgs<'_> {
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> wasmtime::Result<()> {
        dst.write([ValRaw::u64(0); MAX_FLAT_PARAMS]);
        // SAFETY: `[ValRaw; N]` and `[MaybeUninit<ValRaw>; N]` have one
        // layout, and every slot was just initialized.
        let slots = unsafe {
            &mut *dst
                .as_mut_ptr()
                .cast::<[MaybeUninit<ValRaw>; MAX_FLAT_PARAMS]>()
        };
        let InterfaceType::Tuple(i) = ty else {
            return Err(internal("parameters that are not a tuple"));
        };
        let abi = cx.types[i].abi.clone();
        let mut src = self.tape.reader();
        let mut storer = Storer::new(cx);
        match abi.flat_count(MAX_FLAT_PARAMS) {
            Some(count) => {
                let mut out = FlatOut::new(slots);
                storer.flat(ty, &mut src, &mut out)?;
                if out.written() != count {
                    return Err(internal("flat arguments short of the signature's"));
                }
            }
            None => {
                let ptr = storer.alloc(abi.align32, abi.size32 as usize)?;
                storer.mem(ty, &mut src, ptr)?;
                slots[0].write(ValRaw::u64(ptr as u64));
            }
        }
        src.finish()
    }

    fn linear_lower_to_memory<T>(
        &self,
        _cx: &mut LowerContext<'_, T>,
        _ty: InterfaceType,
        _offset: usize,
    ) -> wasmtime::Result<()> {
        Err(internal("export arguments stored as one value"))
    }
}

/// An export's results, handed to the call's [`Receive`]r; `N` is 0 for a
/// function without a result, else 1 (see the module docs).
pub struct ExportResults<const N: usize>;

// SAFETY: `Lower` is `N` slots: none for no result, one for a flat result
// or the pointer to a spilled one, which is what the core function returns.
unsafe impl<const N: usize> ComponentType for ExportResults<N> {
    type Lower = [ValRaw; N];
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::ZERO;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        scope::with(&CHECKING, |sig| match sig {
            Some(sig) => sig
                .check_results(ty, types.types)
                .map_err(wasmtime::Error::msg),
            None => Err(internal("an export type-checked outside TypedExport::new")),
        })
    }
}

// SAFETY: as for `ComponentType`: this is the result list.
unsafe impl<const N: usize> ComponentNamedList for ExportResults<N> {}

// SAFETY: reads only what the function's real result types say, with
// every pointer and length the guest gave checked.
unsafe impl<const N: usize> Lift for ExportResults<N> {
    fn linear_lift_from_flat(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        // SAFETY: wasmtime lifts the results inside `TypedExport::call`'s
        // scope, and neither is used past this function.
        let (receiver, options) = unsafe { scope::take_receiver() };
        let receiver = receiver
            .ok_or_else(|| internal("an export's results lifted outside TypedExport::call"))?;
        let InterfaceType::Tuple(i) = ty else {
            return Err(internal("results that are not a tuple"));
        };
        let abi = cx.types[i].abi.clone();
        let mut loader = Loader::new(cx, options);
        let mut tape = Tape::new();
        match abi.flat_count(MAX_FLAT_RESULTS) {
            Some(_) => loader.flat(cx, ty, &mut FlatIn::new(src), &mut tape)?,
            None => {
                let ptr = src
                    .first()
                    .ok_or_else(|| internal("a spilled result without its pointer"))?
                    .get_u32() as usize;
                if !ptr.is_multiple_of(abi.align32 as usize) {
                    return Err(wasmtime::format_err!("return pointer not aligned"));
                }
                if ptr.saturating_add(abi.size32 as usize) > loader.memory().len() {
                    return Err(wasmtime::format_err!("pointer out of bounds of memory"));
                }
                loader.mem(cx, ty, ptr, &mut tape)?;
            }
        }
        receiver.receive(&tape)?;
        Ok(ExportResults)
    }

    fn linear_lift_from_memory(
        _cx: &mut LiftContext<'_>,
        _ty: InterfaceType,
        _bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        Err(internal("export results loaded as one value"))
    }
}
