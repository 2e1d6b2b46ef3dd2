#!/usr/bin/env python3
"""The reference loaders for the fuzz benchmark: what PyTorch (torch.load) and the safetensors format
make of each case's bytes. Reads cases from stdin as frames (u32 little-endian length, one kind byte
'p' (.pth) or 's' (.safetensors), the file bytes) and writes one JSON line per case:
  {"ok": true, "digest": "<sha256>", "tensors": N}   the state dict webvit would build from it
  {"ok": false, "error": "<type: message>"}

.pth: torch.load with a pickle module whose find_class allows only the globals webvit's unpickler
re-implements (so no file can run code here), then webvit's own post-processing (unwrap "model" /
"state_dict", every value a tensor, strip a common "module." prefix).
.safetensors: safetensors.torch.load when the library is installed, else the format's rules as the
library checks them (written out below). The digest covers each tensor's name, kind (f32 for
floating types, i64 for the rest), shape and values (floats as float32, NaNs made canonical), in
name order: bench/fuzz/outcome.ts computes the same from webvit's load.
"""
import hashlib, io, json, pickle, resource, signal, struct, sys

resource.setrlimit(resource.RLIMIT_AS, (12 << 30, 12 << 30))  # a bomb here is a MemoryError, not the machine's memory

import numpy as np
import torch

try:
    from safetensors.torch import load as st_load
    SAFETENSORS = 'safetensors ' + __import__('safetensors').__version__
except ImportError:
    st_load = None
    SAFETENSORS = 'the format rules (safetensors library not installed)'

STORAGES = ['FloatStorage', 'HalfStorage', 'BFloat16Storage', 'DoubleStorage', 'LongStorage', 'IntStorage', 'ShortStorage',
            'CharStorage', 'ByteStorage', 'BoolStorage']
DTYPES = ['float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16',
          'short', 'int8', 'uint8', 'bool']
ALLOWED = {('torch._utils', n) for n in ('_rebuild_tensor_v2', '_rebuild_tensor', '_rebuild_parameter', '_rebuild_parameter_with_state')}
ALLOWED |= {('collections', 'OrderedDict'), ('_codecs', 'encode'), ('builtins', 'set'), ('builtins', 'frozenset')}
ALLOWED |= {('torch', n) for n in STORAGES + DTYPES}


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """torch 1.13's _rebuild_tensor_v2, taking the metadata argument torch >= 2.0 adds (only when a
    tensor has some: its conjugate/negative bits, which webvit does not apply, so only an empty one)."""
    if metadata is not None and metadata != {}:
        raise TypeError('tensor metadata')
    return torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)


class Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ('torch._utils', '_rebuild_tensor_v2'):
            return rebuild_tensor_v2
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f'global {module}.{name} is not allowed')


class restricted_pickle:
    __name__ = 'restricted_pickle'
    Unpickler = Restricted
    UnpicklingError = pickle.UnpicklingError

    @staticmethod
    def load(f, **kw):
        return Restricted(f, **kw).load()


# Some torch builds (Debian's 1.13) replace any pickle_module given to torch.load by the pickle module
# when weights_only is off; make that module the restricted one, and prove it on a file that names
# a global outside the list.
torch.serialization.pickle = restricted_pickle


def check_restricted():
    buf = io.BytesIO()
    torch.save({'x': print}, buf)
    try:
        torch.load(io.BytesIO(buf.getvalue()), map_location='cpu', pickle_module=restricted_pickle)
    except pickle.UnpicklingError as e:
        if 'not allowed' in str(e):
            return
    sys.exit('reference.py: torch.load did not use the restricted unpickler')


def nonempty_unprefixed(sd):
    """webvit's stripDataParallelPrefix, after refusing an empty state dict."""
    if not sd:
        raise ValueError('no tensors')
    if all(k.startswith('module.') for k in sd):
        sd = {k[len('module.'):]: v for k, v in sd.items()}
    return sd


def state_dict_of(obj):
    """webvit's stateDictFromPickled + stripDataParallelPrefix."""
    if not isinstance(obj, dict):
        raise ValueError('not a dict')
    wrapper = next((k for k in ('model', 'state_dict') if isinstance(obj.get(k), dict)), None)
    d = obj[wrapper] if wrapper else obj
    sd = {}
    for k, v in d.items():
        if not isinstance(k, str) or not isinstance(v, torch.Tensor):
            raise ValueError('not a state dict')
        sd[k] = v
    return nonempty_unprefixed(sd)


def as_numpy(t):
    """A loaded tensor (torch, or numpy from the safetensors rules) as webvit holds it: ('f32', float32) or ('i64', int64)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.is_complex():
            raise ValueError(f'dtype {t.dtype}')
        if t.is_floating_point():
            return 'f32', t.to(torch.float32).contiguous().numpy()
        if t.dtype == torch.bool:  # true is any non-zero byte, as webvit reads it
            return 'i64', (t.contiguous().view(torch.uint8).numpy() != 0).astype(np.int64)
        return 'i64', t.to(torch.int64).contiguous().numpy()
    if t.dtype.kind == 'f':
        return 'f32', t.astype(np.float32)
    if t.dtype.kind == 'b':
        return 'i64', (t.view(np.uint8) != 0).astype(np.int64)
    return 'i64', t.astype(np.int64)


def digest(sd):
    h = hashlib.sha256()
    for k in sorted(sd):
        kind, a = as_numpy(sd[k])
        if kind == 'f32':
            bits = np.ascontiguousarray(a).view(np.uint32).copy()
            bits[np.isnan(a)] = 0x7fc00000
            data = bits.astype('<u4').tobytes()
        else:
            data = np.ascontiguousarray(a).astype('<i8').tobytes()
        h.update(k.encode('utf-8', 'surrogatepass') + b'\0' + kind.encode() + b'\0' + ','.join(map(str, a.shape)).encode() + b'\0')
        h.update(data)
    return h.hexdigest(), len(sd)


# The format's dtypes (numpy, so that the unsigned ones torch 1.13 lacks are read too; BF16 is widened by hand).
ST_DTYPES = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'BF16': '<u2', 'I64': '<i8', 'I32': '<i4', 'I16': '<i2', 'I8': 'i1',
             'U64': '<u8', 'U32': '<u4', 'U16': '<u2', 'U8': 'u1', 'BOOL': '?'}
ST_SIZES = {k: np.dtype(v).itemsize for k, v in ST_DTYPES.items()}


def safetensors_rules(b):
    """The checks of the safetensors library (safetensors/src/tensor.rs: read_metadata, Metadata::validate)."""
    if len(b) < 8:
        raise ValueError('HeaderTooSmall')
    n = struct.unpack('<Q', b[:8])[0]
    if n > 100_000_000:
        raise ValueError('HeaderTooLarge')
    if 8 + n > len(b):
        raise ValueError('InvalidHeaderLength')
    text = b[8:8 + n].decode('utf-8')  # strict: InvalidHeader
    if not text.startswith('{'):
        raise ValueError('InvalidHeaderStart')
    header = json.loads(text)
    if not isinstance(header, dict):
        raise ValueError('InvalidHeaderDeserialization')
    # serde_json, unlike Python's json, refuses escapes of unpaired surrogates ("\\ud800").
    lone = lambda t: isinstance(t, str) and any(0xd800 <= ord(c) <= 0xdfff for c in t)
    meta = header.get('__metadata__')
    if any(lone(k) for k in header) or (isinstance(meta, dict) and any(lone(k) or lone(v) for k, v in meta.items())):
        raise ValueError('InvalidHeaderDeserialization')
    meta = header.pop('__metadata__', None)
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise ValueError('InvalidHeaderDeserialization')
    infos = []
    for name, info in header.items():
        if not isinstance(info, dict) or info.get('dtype') not in ST_DTYPES:
            raise ValueError('InvalidHeaderDeserialization')
        shape, offs = info.get('shape'), info.get('data_offsets')
        if not (isinstance(shape, list) and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)):
            raise ValueError('InvalidHeaderDeserialization')
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offs)):
            raise ValueError('InvalidHeaderDeserialization')
        infos.append((offs[0], offs[1], name, info['dtype'], shape))
    infos.sort()
    start = 0
    for s, e, name, dtype, shape in infos:
        if s != start or e < s:
            raise ValueError(f'InvalidOffset({name})')
        start = e
        numel = 1
        for d in shape:
            numel *= d
        if numel * ST_SIZES[dtype] != e - s:
            raise ValueError(f'TensorInvalidInfo({name})')
    if start + 8 + n != len(b):
        raise ValueError('MetadataIncompleteBuffer')
    data = b[8 + n:]
    sd = {}
    for s, e, name, dtype, shape in infos:
        a = np.frombuffer(data[s:e], dtype=ST_DTYPES[dtype]).reshape(shape)
        sd[name] = (a.astype(np.uint32) << 16).view(np.float32) if dtype == 'BF16' else a
    return sd


def run(kind, b):
    if kind == 'p':
        return state_dict_of(torch.load(io.BytesIO(b), map_location='cpu', pickle_module=restricted_pickle))
    sd = st_load(b) if st_load else safetensors_rules(b)
    return nonempty_unprefixed(sd)


class Timeout(Exception):
    pass


def on_alarm(*_):
    raise Timeout('reference took over 10 s')


def main():
    check_restricted()
    signal.signal(signal.SIGALRM, on_alarm)
    inp, out = sys.stdin.buffer, sys.stdout
    out.write(json.dumps({'reference': f'torch {torch.__version__}; safetensors: {SAFETENSORS}'}) + '\n')
    out.flush()
    while True:
        head = inp.read(5)
        if len(head) < 5:
            return
        n, kind = struct.unpack('<I', head[:4])[0], chr(head[4])
        b = inp.read(n)
        signal.alarm(10)
        try:
            d, count = digest(run(kind, b))
            res = {'ok': True, 'digest': d, 'tensors': count}
        except BaseException as e:  # noqa: BLE001 - every failure of the reference is an outcome
            if isinstance(e, KeyboardInterrupt):
                raise
            res = {'ok': False, 'error': f'{type(e).__name__}: {str(e)[:200]}'}
        finally:
            signal.alarm(0)
        out.write(json.dumps(res) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
