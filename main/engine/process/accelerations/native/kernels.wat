;; The engine's own wasm kernels for tfjs-backend-wasm's heap (see README.md beside this file).
;;
;; This module imports the wasm backend's WebAssembly.Memory and works on tensors where they
;; already lie: callers pass byte offsets into that heap. It keeps no state, uses no stack in
;; linear memory and has no data segments, so it can never write anywhere it was not told to.
;;
;; The source is written with relaxed-SIMD fused multiply-adds (f32x4.relaxed_madd: one
;; vfmadd231ps on x86 with FMA3). scripts/build-wasm-kernels.mjs also derives a plain SIMD128
;; build from it (each madd becomes f32x4.mul + f32x4.add) for runtimes without relaxed SIMD.
(module
  (import "env" "memory" (memory 1))

  ;; ---------------------------------------------------------------------------------------
  ;; f32 GEMM: C[m×n] = op(A)[m×k] · op(B)[k×n] (+ bias[n]) (then relu), row-major.
  ;;
  ;; Both operands are packed first (any transpose is absorbed there): B into panels of 8
  ;; columns, [panel][k][8], and A, a block of at most 120 rows at a time, into panels of 5 rows,
  ;; [panel][k][5], zero-padded at the edges. A 5×8 register tile (10 accumulators, 2 B vectors,
  ;; 1 broadcast A: 13 of x86's 16 xmm registers) runs over a block of k for each tile: 10
  ;; independent multiply-adds per step keep both FMA pipes busy through a 5-cycle latency,
  ;; where the 4×8 tile's 8 could not (measured: 13-17 → 19-20 GMAC/s on a 512³ product). Per
  ;; block of k (≤ 256 steps) and block of A rows, the loop is B panel outer, A panel inner, so
  ;; one B panel (8 KB) stays in L1 and the A block (120 KB), packed just before, in L2; packing
  ;; the whole of A first streamed megabytes of im2col columns from memory once per B panel.
  ;; ---------------------------------------------------------------------------------------

  ;; A 5×8 tile of C at $c (row stride $ldc bytes) from packed panels $a and $b over $kc ≥ 1
  ;; steps. Starts from C itself when $acc is set, else from bias[8] at $bias (0: from zero);
  ;; clamps at zero when $relu is set.
  (func $tile (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $bias i32) (param $relu i32) (param $acc i32)
    (local $c0_0 v128) (local $c0_1 v128) (local $c1_0 v128) (local $c1_1 v128)
    (local $c2_0 v128) (local $c2_1 v128) (local $c3_0 v128) (local $c3_1 v128)
    (local $c4_0 v128) (local $c4_1 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $row i32)
    (if (local.get $acc)
      (then
        ;; A later block of k: carry on from what the earlier blocks left in C.
        (local.set $row (local.get $c))
        (local.set $c0_0 (v128.load offset=0 (local.get $row)))
        (local.set $c0_1 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c1_0 (v128.load offset=0 (local.get $row)))
        (local.set $c1_1 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c2_0 (v128.load offset=0 (local.get $row)))
        (local.set $c2_1 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c3_0 (v128.load offset=0 (local.get $row)))
        (local.set $c3_1 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c4_0 (v128.load offset=0 (local.get $row)))
        (local.set $c4_1 (v128.load offset=16 (local.get $row)))
        (local.set $bias (i32.const 0))))
    (if (local.get $bias)
      (then
        (local.set $c0_0 (v128.load offset=0 (local.get $bias)))
        (local.set $c0_1 (v128.load offset=16 (local.get $bias)))
        (local.set $c1_0 (local.get $c0_0)) (local.set $c1_1 (local.get $c0_1))
        (local.set $c2_0 (local.get $c0_0)) (local.set $c2_1 (local.get $c0_1))
        (local.set $c3_0 (local.get $c0_0)) (local.set $c3_1 (local.get $c0_1))
        (local.set $c4_0 (local.get $c0_0)) (local.set $c4_1 (local.get $c0_1))))
    (loop $k
      (local.set $b0 (v128.load offset=0 (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $s (v128.load32_splat offset=0 (local.get $a)))
      (local.set $c0_0 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c0_0)))
      (local.set $c0_1 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c0_1)))
      (local.set $s (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c1_0 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c1_0)))
      (local.set $c1_1 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c1_1)))
      (local.set $s (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c2_0 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c2_0)))
      (local.set $c2_1 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c2_1)))
      (local.set $s (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c3_0 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c3_0)))
      (local.set $c3_1 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c3_1)))
      (local.set $s (v128.load32_splat offset=16 (local.get $a)))
      (local.set $c4_0 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c4_0)))
      (local.set $c4_1 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c4_1)))
      (local.set $a (i32.add (local.get $a) (i32.const 20)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))
    (if (local.get $relu)
      (then
        (local.set $s (v128.const i32x4 0 0 0 0))
        (local.set $c0_0 (f32x4.max (local.get $c0_0) (local.get $s)))
        (local.set $c0_1 (f32x4.max (local.get $c0_1) (local.get $s)))
        (local.set $c1_0 (f32x4.max (local.get $c1_0) (local.get $s)))
        (local.set $c1_1 (f32x4.max (local.get $c1_1) (local.get $s)))
        (local.set $c2_0 (f32x4.max (local.get $c2_0) (local.get $s)))
        (local.set $c2_1 (f32x4.max (local.get $c2_1) (local.get $s)))
        (local.set $c3_0 (f32x4.max (local.get $c3_0) (local.get $s)))
        (local.set $c3_1 (f32x4.max (local.get $c3_1) (local.get $s)))
        (local.set $c4_0 (f32x4.max (local.get $c4_0) (local.get $s)))
        (local.set $c4_1 (f32x4.max (local.get $c4_1) (local.get $s)))))
    (v128.store offset=0 (local.get $c) (local.get $c0_0))
    (v128.store offset=16 (local.get $c) (local.get $c0_1))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c1_0))
    (v128.store offset=16 (local.get $c) (local.get $c1_1))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c2_0))
    (v128.store offset=16 (local.get $c) (local.get $c2_1))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c3_0))
    (v128.store offset=16 (local.get $c) (local.get $c3_1))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c4_0))
    (v128.store offset=16 (local.get $c) (local.get $c4_1)))

  ;; Packs op(A) (element (i, j) at $a + 4·(i·$si + j·$sj)) into panels of 5 rows at $dst:
  ;; dst[(p·k + j)·5 + r] = A(5p + r, j), rows past $m as zeros.
  (func $pack_a (param $a i32) (param $si i32) (param $sj i32) (param $m i32) (param $k i32) (param $dst i32)
    (local $i i32) (local $j i32) (local $r i32) (local $src i32) (local $si4 i32) (local $sj4 i32)
    (local.set $si4 (i32.shl (local.get $si) (i32.const 2)))
    (local.set $sj4 (i32.shl (local.get $sj) (i32.const 2)))
    (block $done (loop $panel
      (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $src (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $si4))))
      (local.set $j (i32.const 0))
      (if (i32.le_u (i32.add (local.get $i) (i32.const 5)) (local.get $m))
        (then
          (if (i32.eq (local.get $si) (i32.const 1))
            (then
              ;; A transposed: a panel's 5 values of one j lie side by side.
              (loop $j1
                (v128.store (local.get $dst) (v128.load (local.get $src)))
                (f32.store offset=16 (local.get $dst) (f32.load offset=16 (local.get $src)))
                (local.set $src (i32.add (local.get $src) (local.get $sj4)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 20)))
                (br_if $j1 (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $k)))))
            (else
              (loop $j5
                (f32.store offset=0 (local.get $dst) (f32.load (local.get $src)))
                (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $si4))))
                (f32.store offset=8 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.shl (local.get $si4) (i32.const 1)))))
                (f32.store offset=12 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.mul (local.get $si4) (i32.const 3)))))
                (f32.store offset=16 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.shl (local.get $si4) (i32.const 2)))))
                (local.set $src (i32.add (local.get $src) (local.get $sj4)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 20)))
                (br_if $j5 (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $k)))))))
        (else
          ;; The last, partial panel: element by element, zeros past the last row.
          (loop $jp
            (local.set $r (i32.const 0))
            (loop $rp
              (f32.store (local.get $dst)
                (if (result f32) (i32.lt_u (i32.add (local.get $i) (local.get $r)) (local.get $m))
                  (then (f32.load (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $si4)))))
                  (else (f32.const 0))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (br_if $rp (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 5))))
            (local.set $src (i32.add (local.get $src) (local.get $sj4)))
            (br_if $jp (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $k))))))
      (local.set $i (i32.add (local.get $i) (i32.const 5)))
      (br $panel))))

  ;; Packs op(B) (element (j, c) at $b + 4·(j·$sj + c·$sc)) into panels of 8 columns at $dst:
  ;; dst[(q·k + j)·8 + c'] = B(j, 8q + c'), columns past $n as zeros.
  (func $pack_b (param $b i32) (param $sj i32) (param $sc i32) (param $k i32) (param $n i32) (param $dst i32)
    (local $q i32) (local $j i32) (local $c i32) (local $src i32) (local $at i32) (local $sj4 i32) (local $sc4 i32)
    (local.set $sj4 (i32.shl (local.get $sj) (i32.const 2)))
    (local.set $sc4 (i32.shl (local.get $sc) (i32.const 2)))
    (block $done (loop $panel
      (br_if $done (i32.ge_u (local.get $q) (local.get $n)))
      (local.set $src (i32.add (local.get $b) (i32.mul (local.get $q) (local.get $sc4))))
      (local.set $j (i32.const 0))
      (if (i32.and (i32.eq (local.get $sc) (i32.const 1)) (i32.le_u (i32.add (local.get $q) (i32.const 8)) (local.get $n)))
        (then
          ;; B untransposed, a whole panel: each j's 8 values are contiguous.
          (loop $j8
            (v128.store offset=0 (local.get $dst) (v128.load offset=0 (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $sj4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (br_if $j8 (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $k)))))
        (else
          (loop $jp
            (local.set $c (i32.const 0))
            (local.set $at (local.get $src))
            (loop $cp
              (f32.store (local.get $dst)
                (if (result f32) (i32.lt_u (i32.add (local.get $q) (local.get $c)) (local.get $n))
                  (then (f32.load (local.get $at)))
                  (else (f32.const 0))))
              (local.set $at (i32.add (local.get $at) (local.get $sc4)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (br_if $cp (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const 8))))
            (local.set $src (i32.add (local.get $src) (local.get $sj4)))
            (br_if $jp (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $k))))))
      (local.set $q (i32.add (local.get $q) (i32.const 8)))
      (br $panel))))

  ;; The packed A block's rows: min(m rounded up to whole 5-row panels, 120).
  (func $a_rows (param $m i32) (result i32)
    (local $r i32)
    (local.set $r (i32.mul (i32.div_u (i32.add (local.get $m) (i32.const 4)) (i32.const 5)) (i32.const 5)))
    (select (i32.const 120) (local.get $r) (i32.gt_u (local.get $r) (i32.const 120))))

  ;; The packed blocks' steps of k: min(k, 256).
  (func $k_steps (param $k i32) (result i32)
    (select (i32.const 256) (local.get $k) (i32.gt_u (local.get $k) (i32.const 256))))

  ;; Bytes of scratch gemm needs for these sizes (the caller allocates them on the heap): the
  ;; packed A block, the packed B block, a 5×8 edge tile and the zero-padded bias.
  (func (export "gemm_scratch_bytes") (param $m i32) (param $k i32) (param $n i32) (result i32)
    (local $np i32)
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
    (i32.add
      (i32.shl (i32.mul (call $k_steps (local.get $k)) (i32.add (call $a_rows (local.get $m)) (local.get $np))) (i32.const 2))
      (i32.add (i32.const 160) (i32.shl (local.get $np) (i32.const 2)))))

  ;; C = op(A)·op(B) (+ bias) (relu). op(A) is m×k: A itself (row-major m×k) or, with $ta,
  ;; the transpose of a row-major k×m array; op(B) likewise k×n from k×n or n×k. $bias is a
  ;; heap offset of n floats or 0; $scratch holds gemm_scratch_bytes(m, k, n) bytes, 16-aligned.
  ;; $ldc is the row stride (in floats) of C and of an untransposed B: n for whole arrays; more
  ;; when this product is a band of columns of a wider one (the two threads' halves of C's
  ;; columns, each reading its own columns of B). Needs m, k, n ≥ 1 and ldc ≥ n.
  (func (export "gemm") (param $m i32) (param $k i32) (param $n i32) (param $a i32) (param $ta i32) (param $b i32) (param $tb i32)
                        (param $c i32) (param $bias i32) (param $relu i32) (param $scratch i32) (param $ldc i32)
    (local $mp i32) (local $np i32) (local $ap i32) (local $bp i32) (local $tilebuf i32) (local $biasp i32)
    (local $p i32) (local $q i32) (local $rows i32) (local $cols i32) (local $r i32) (local $out i32) (local $panelb i32) (local $bq i32)
    (local $k0 i32) (local $kc i32) (local $acc i32) (local $last i32) (local $apanel i32) (local $crow i32) (local $trow i32)
    (local $i0 i32) (local $mc i32)
    (local.set $mp (call $a_rows (local.get $m)))
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
    (local.set $ap (local.get $scratch))
    (local.set $bp (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $mp) (call $k_steps (local.get $k))) (i32.const 2))))
    (local.set $tilebuf (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $np) (call $k_steps (local.get $k))) (i32.const 2))))
    (local.set $biasp (i32.add (local.get $tilebuf) (i32.const 160)))
    (if (local.get $bias)
      (then
        ;; A zero-padded copy: the last panel's tile reads 8 values whatever n is.
        (memory.fill (local.get $biasp) (i32.const 0) (i32.shl (local.get $np) (i32.const 2)))
        (memory.copy (local.get $biasp) (local.get $bias) (i32.shl (local.get $n) (i32.const 2)))))
    ;; Blocks of at most 256 steps of k, so one B panel block (8 KB) stays in L1 and the A
    ;; panels in L2 however long k is (a convolution's filter gradient sums over every pixel).
    (loop $blocks
      (local.set $kc (i32.sub (local.get $k) (local.get $k0)))
      (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
      (local.set $acc (i32.ne (local.get $k0) (i32.const 0)))
      (local.set $last (i32.eq (i32.add (local.get $k0) (local.get $kc)) (local.get $k)))
      (if (local.get $tb)
        (then (call $pack_b (i32.add (local.get $b) (i32.shl (local.get $k0) (i32.const 2))) (i32.const 1) (local.get $k) (local.get $kc) (local.get $n) (local.get $bp)))
        (else (call $pack_b (i32.add (local.get $b) (i32.shl (i32.mul (local.get $k0) (local.get $ldc)) (i32.const 2))) (local.get $ldc) (i32.const 1) (local.get $kc) (local.get $n) (local.get $bp))))
      ;; Blocks of at most 120 rows of A (120 KB packed at kc = 256): packed just before use, so
      ;; its panels are read from L2 once per B panel instead of streaming the whole of A
      ;; (megabytes for a convolution's im2col columns) from memory once per B panel.
      (local.set $i0 (i32.const 0))
      (loop $rowblocks
        (local.set $mc (i32.sub (local.get $m) (local.get $i0)))
        (if (i32.gt_u (local.get $mc) (i32.const 120)) (then (local.set $mc (i32.const 120))))
        (if (local.get $ta)
          (then (call $pack_a (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $m)) (local.get $i0)) (i32.const 2))) (i32.const 1) (local.get $m) (local.get $mc) (local.get $kc) (local.get $ap)))
          (else (call $pack_a (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $k)) (local.get $k0)) (i32.const 2))) (local.get $k) (i32.const 1) (local.get $mc) (local.get $kc) (local.get $ap))))
      (local.set $q (i32.const 0))
      (loop $panels_b
        (local.set $panelb (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $q) (local.get $kc)) (i32.const 2))))
        (local.set $bq (select (i32.add (local.get $biasp) (i32.shl (local.get $q) (i32.const 2))) (i32.const 0) (local.get $bias)))
        (local.set $cols (i32.sub (local.get $n) (local.get $q)))
        (if (i32.gt_u (local.get $cols) (i32.const 8)) (then (local.set $cols (i32.const 8))))
        (local.set $p (i32.const 0))
        (loop $panels_a
          (local.set $out (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i0) (local.get $p)) (local.get $ldc)) (local.get $q)) (i32.const 2))))
          (local.set $apanel (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $p) (local.get $kc)) (i32.const 2))))
          (local.set $rows (i32.sub (local.get $mc) (local.get $p)))
          (if (i32.gt_u (local.get $rows) (i32.const 5)) (then (local.set $rows (i32.const 5))))
          (if (i32.and (i32.eq (local.get $rows) (i32.const 5)) (i32.eq (local.get $cols) (i32.const 8)))
            (then
              (call $tile (local.get $apanel) (local.get $panelb) (local.get $kc)
                          (local.get $out) (i32.shl (local.get $ldc) (i32.const 2)) (local.get $bq) (i32.and (local.get $relu) (local.get $last)) (local.get $acc)))
            (else
              ;; An edge tile: computed whole in the side buffer (seeded from C after the first
              ;; block of k), then its valid part copied out.
              (if (local.get $acc)
                (then
                  (local.set $r (i32.const 0))
                  (loop $load
                    (memory.copy (i32.add (local.get $tilebuf) (i32.shl (local.get $r) (i32.const 5)))
                                 (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $ldc)) (i32.const 2)))
                                 (i32.shl (local.get $cols) (i32.const 2)))
                    (br_if $load (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))))
              (call $tile (local.get $apanel) (local.get $panelb) (local.get $kc)
                          (local.get $tilebuf) (i32.const 32) (local.get $bq) (i32.and (local.get $relu) (local.get $last)) (local.get $acc))
              (local.set $r (i32.const 0))
              (loop $copy
                (memory.copy (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $ldc)) (i32.const 2)))
                             (i32.add (local.get $tilebuf) (i32.shl (local.get $r) (i32.const 5)))
                             (i32.shl (local.get $cols) (i32.const 2)))
                (br_if $copy (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))))
          (br_if $panels_a (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 5))) (local.get $mc))))
        (br_if $panels_b (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 8))) (local.get $n))))
        (br_if $rowblocks (i32.lt_u (local.tee $i0 (i32.add (local.get $i0) (local.get $mc))) (local.get $m))))
      (br_if $blocks (i32.lt_u (local.tee $k0 (i32.add (local.get $k0) (local.get $kc))) (local.get $k)))))

  ;; ---------------------------------------------------------------------------------------
  ;; MaxPoolGrad, NHWC: each window's gradient goes to its first maximum (as tfjs' cpu backend
  ;; does: strictly greater, starting from -Infinity, padding never wins; a window of NaNs
  ;; sends nothing). dx (n·h·w·ch floats) is overwritten. Four channels at a time: a running
  ;; maximum and the index of the tap that set it, kept branch-free with lane masks (a scalar
  ;; compare-and-branch per tap mispredicts on real data and was ~10× slower); then each tap
  ;; adds dy where it won. Leftover channels (ch not a multiple of 4) take the scalar loop.
  ;; ---------------------------------------------------------------------------------------

  ;; One window, channels $c..$c+3: $xb is the byte offset of x at the window's (y0, x0, c)
  ;; corner (which may lie outside the image), $db likewise for dx, $g of dy.
  (func $pool_window4 (param $xb i32) (param $db i32) (param $g i32) (param $y0 i32) (param $x0 i32)
        (param $h i32) (param $w i32) (param $fh i32) (param $fw i32) (param $row i32) (param $col i32)
    (local $best v128) (local $idx v128) (local $v v128) (local $gt v128) (local $gv v128)
    (local $ky i32) (local $kx i32) (local $t i32) (local $y i32) (local $xx i32) (local $at i32)
    (local.set $best (f32x4.splat (f32.const -inf)))
    (local.set $idx (i32x4.splat (i32.const -1)))
    (loop $lky
      (local.set $y (i32.add (local.get $y0) (local.get $ky)))
      (local.set $kx (i32.const 0))
      (loop $lkx
        (local.set $xx (i32.add (local.get $x0) (local.get $kx)))
        (if (i32.and (i32.and (i32.ge_s (local.get $y) (i32.const 0)) (i32.lt_s (local.get $y) (local.get $h)))
                     (i32.and (i32.ge_s (local.get $xx) (i32.const 0)) (i32.lt_s (local.get $xx) (local.get $w))))
          (then
            (local.set $v (v128.load (i32.add (local.get $xb) (i32.add (i32.mul (local.get $ky) (local.get $row)) (i32.mul (local.get $kx) (local.get $col))))))
            (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
            (local.set $idx (v128.bitselect (i32x4.splat (local.get $t)) (local.get $idx) (local.get $gt)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $lkx (i32.lt_u (local.tee $kx (i32.add (local.get $kx) (i32.const 1))) (local.get $fw))))
      (br_if $lky (i32.lt_u (local.tee $ky (i32.add (local.get $ky) (i32.const 1))) (local.get $fh))))
    (local.set $gv (v128.load (local.get $g)))
    (local.set $t (i32.const 0))
    (local.set $ky (i32.const 0))
    (loop $sky
      (local.set $y (i32.add (local.get $y0) (local.get $ky)))
      (local.set $kx (i32.const 0))
      (loop $skx
        (local.set $xx (i32.add (local.get $x0) (local.get $kx)))
        (if (i32.and (i32.and (i32.ge_s (local.get $y) (i32.const 0)) (i32.lt_s (local.get $y) (local.get $h)))
                     (i32.and (i32.ge_s (local.get $xx) (i32.const 0)) (i32.lt_s (local.get $xx) (local.get $w))))
          (then
            (local.set $at (i32.add (local.get $db) (i32.add (i32.mul (local.get $ky) (local.get $row)) (i32.mul (local.get $kx) (local.get $col)))))
            (v128.store (local.get $at)
              (f32x4.add (v128.load (local.get $at))
                         (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (i32x4.splat (local.get $t))))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $skx (i32.lt_u (local.tee $kx (i32.add (local.get $kx) (i32.const 1))) (local.get $fw))))
      (br_if $sky (i32.lt_u (local.tee $ky (i32.add (local.get $ky) (i32.const 1))) (local.get $fh)))))
  ;; The usual pool, 2×2 windows at stride 2 without padding, channels a multiple of 4: the
  ;; windows tile the input without overlap, so each tap's dx is written once (dy where that tap
  ;; won, else 0) instead of filled with zeros and then added into, and no tap needs a bounds
  ;; check. The same first-maximum rule as below; rows and columns past the last window (odd
  ;; sizes) are zeroed first.
  (func $pool_grad_2x2 (param $x i32) (param $dy i32) (param $dx i32)
        (param $n i32) (param $h i32) (param $w i32) (param $ch i32) (param $oh i32) (param $ow i32)
    (local $rs i32) (local $cs i32) (local $rcs i32) (local $b i32) (local $oy i32) (local $ox i32) (local $co i32)
    (local $row i32) (local $px i32) (local $pd i32) (local $g i32)
    (local $v v128) (local $best v128) (local $idx v128) (local $gt v128) (local $gv v128)
    (local.set $cs (i32.shl (local.get $ch) (i32.const 2)))
    (local.set $rs (i32.mul (local.get $w) (local.get $cs)))
    (local.set $rcs (i32.add (local.get $rs) (local.get $cs)))
    (if (i32.or (i32.ne (local.get $h) (i32.shl (local.get $oh) (i32.const 1)))
                (i32.ne (local.get $w) (i32.shl (local.get $ow) (i32.const 1))))
      (then (memory.fill (local.get $dx) (i32.const 0) (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $rs)))))
    (if (i32.or (i32.or (i32.eqz (local.get $n)) (i32.eqz (local.get $oh))) (i32.or (i32.eqz (local.get $ow)) (i32.eqz (local.get $ch))))
      (then (return)))
    (local.set $g (local.get $dy))
    (loop $lb
      (local.set $oy (i32.const 0))
      (loop $loy
        (local.set $row (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.shl (local.get $oy) (i32.const 1))) (local.get $rs)))
        (local.set $ox (i32.const 0))
        (loop $lox
          (local.set $px (i32.add (local.get $x) (i32.add (local.get $row) (i32.mul (i32.shl (local.get $ox) (i32.const 1)) (local.get $cs)))))
          (local.set $pd (i32.add (local.get $dx) (i32.add (local.get $row) (i32.mul (i32.shl (local.get $ox) (i32.const 1)) (local.get $cs)))))
          (local.set $co (i32.const 0))
          (loop $lc
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $idx (v128.const i32x4 -1 -1 -1 -1))
              (local.set $v (v128.load (i32.add (local.get $px) (local.get $co))))
              (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
              (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
              (local.set $idx (v128.bitselect (v128.const i32x4 0 0 0 0) (local.get $idx) (local.get $gt)))
              (local.set $v (v128.load (i32.add (i32.add (local.get $px) (local.get $cs)) (local.get $co))))
              (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
              (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
              (local.set $idx (v128.bitselect (v128.const i32x4 1 1 1 1) (local.get $idx) (local.get $gt)))
              (local.set $v (v128.load (i32.add (i32.add (local.get $px) (local.get $rs)) (local.get $co))))
              (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
              (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
              (local.set $idx (v128.bitselect (v128.const i32x4 2 2 2 2) (local.get $idx) (local.get $gt)))
              (local.set $v (v128.load (i32.add (i32.add (local.get $px) (local.get $rcs)) (local.get $co))))
              (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
              (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
              (local.set $idx (v128.bitselect (v128.const i32x4 3 3 3 3) (local.get $idx) (local.get $gt)))
              (local.set $gv (v128.load (local.get $g)))
              (v128.store (i32.add (local.get $pd) (local.get $co)) (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 0 0 0 0))))
              (v128.store (i32.add (i32.add (local.get $pd) (local.get $cs)) (local.get $co)) (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 1 1 1 1))))
              (v128.store (i32.add (i32.add (local.get $pd) (local.get $rs)) (local.get $co)) (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 2 2 2 2))))
              (v128.store (i32.add (i32.add (local.get $pd) (local.get $rcs)) (local.get $co)) (v128.and (local.get $gv) (i32x4.eq (local.get $idx) (v128.const i32x4 3 3 3 3))))
              (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br_if $lc (i32.lt_u (local.tee $co (i32.add (local.get $co) (i32.const 16))) (local.get $cs))))
          (br_if $lox (i32.lt_u (local.tee $ox (i32.add (local.get $ox) (i32.const 1))) (local.get $ow))))
        (br_if $loy (i32.lt_u (local.tee $oy (i32.add (local.get $oy) (i32.const 1))) (local.get $oh))))
      (br_if $lb (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $n)))))
  (func (export "max_pool_grad") (param $x i32) (param $dy i32) (param $dx i32)
        (param $n i32) (param $h i32) (param $w i32) (param $ch i32) (param $oh i32) (param $ow i32)
        (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $c i32) (local $ky i32) (local $kx i32)
    (local $y i32) (local $xx i32) (local $y0 i32) (local $x0 i32) (local $img i32) (local $at i32) (local $pos i32)
    (local $best f32) (local $v f32) (local $g i32) (local $corner i32)
    (if (i32.and (i32.and (i32.and (i32.eq (local.get $fh) (i32.const 2)) (i32.eq (local.get $fw) (i32.const 2)))
                          (i32.and (i32.eq (local.get $sh) (i32.const 2)) (i32.eq (local.get $sw) (i32.const 2))))
                 (i32.and (i32.and (i32.eqz (i32.or (local.get $top) (local.get $left)))
                                   (i32.eqz (i32.and (local.get $ch) (i32.const 3))))
                          ;; no window past the input's edge (padded "same" on an odd size)
                          (i32.and (i32.le_u (i32.shl (local.get $oh) (i32.const 1)) (local.get $h))
                                   (i32.le_u (i32.shl (local.get $ow) (i32.const 1)) (local.get $w)))))
      (then
        (call $pool_grad_2x2 (local.get $x) (local.get $dy) (local.get $dx) (local.get $n) (local.get $h) (local.get $w)
                             (local.get $ch) (local.get $oh) (local.get $ow))
        (return)))
    (memory.fill (local.get $dx) (i32.const 0) (i32.shl (i32.mul (i32.mul (local.get $n) (local.get $h)) (i32.mul (local.get $w) (local.get $ch))) (i32.const 2)))
    (local.set $g (local.get $dy))
    (block $done_b (loop $lb
      (br_if $done_b (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $img (i32.mul (local.get $b) (local.get $h)))
      (local.set $oy (i32.const 0))
      (block $done_oy (loop $loy
        (br_if $done_oy (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $y0 (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
        (local.set $ox (i32.const 0))
        (block $done_ox (loop $lox
          (br_if $done_ox (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
          (local.set $c (i32.const 0))
          (local.set $corner (i32.shl (i32.mul (i32.add (i32.mul (i32.add (local.get $img) (local.get $y0)) (local.get $w)) (local.get $x0)) (local.get $ch)) (i32.const 2)))
          (block $done_c4 (loop $lc4
            (br_if $done_c4 (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $ch)))
            (call $pool_window4 (i32.add (local.get $x) (i32.add (local.get $corner) (i32.shl (local.get $c) (i32.const 2))))
                                (i32.add (local.get $dx) (i32.add (local.get $corner) (i32.shl (local.get $c) (i32.const 2))))
                                (local.get $g) (local.get $y0) (local.get $x0) (local.get $h) (local.get $w) (local.get $fh) (local.get $fw)
                                (i32.shl (i32.mul (local.get $w) (local.get $ch)) (i32.const 2)) (i32.shl (local.get $ch) (i32.const 2)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $lc4)))
          (block $done_c (loop $lc
            (br_if $done_c (i32.ge_u (local.get $c) (local.get $ch)))
            (local.set $best (f32.const -inf))
            (local.set $pos (i32.const -1))
            (local.set $ky (i32.const 0))
            (block $done_ky (loop $lky
              (br_if $done_ky (i32.ge_u (local.get $ky) (local.get $fh)))
              (local.set $y (i32.add (local.get $y0) (local.get $ky)))
              (if (i32.and (i32.ge_s (local.get $y) (i32.const 0)) (i32.lt_s (local.get $y) (local.get $h)))
                (then
                  (local.set $kx (i32.const 0))
                  (block $done_kx (loop $lkx
                    (br_if $done_kx (i32.ge_u (local.get $kx) (local.get $fw)))
                    (local.set $xx (i32.add (local.get $x0) (local.get $kx)))
                    (if (i32.and (i32.ge_s (local.get $xx) (i32.const 0)) (i32.lt_s (local.get $xx) (local.get $w)))
                      (then
                        (local.set $at (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (local.get $img) (local.get $y)) (local.get $w)) (local.get $xx)) (local.get $ch)) (local.get $c)) (i32.const 2)))
                        (local.set $v (f32.load (i32.add (local.get $x) (local.get $at))))
                        (if (f32.gt (local.get $v) (local.get $best))
                          (then (local.set $best (local.get $v)) (local.set $pos (local.get $at))))))
                    (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                    (br $lkx)))))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $lky)))
            (if (i32.ge_s (local.get $pos) (i32.const 0))
              (then
                (local.set $at (i32.add (local.get $dx) (local.get $pos)))
                (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (f32.load (local.get $g))))))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $lc)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $lox)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $loy)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $lb))))

  ;; ---------------------------------------------------------------------------------------
  ;; One Adam step for one variable: the arithmetic of tfjs' AdamOptimizer, op for op in float32
  ;; and in its order (no fused multiply-add), so the numbers equal the stock optimizer's, in
  ;; one pass instead of ~12 kernels and 5 temporaries per variable. m and v are updated in
  ;; place; the new weights go to $xout (a fresh buffer: see fused-adam.ts for why):
  ;;   m ← m·β1 + g·(1-β1);  v ← v·β2 + g²·(1-β2)
  ;;   xout ← (m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + ε) · (-lr) + x
  ;; ---------------------------------------------------------------------------------------
  (func (export "adam") (param $x i32) (param $xout i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
        (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $omab1 f32) (param $omab2 f32) (param $eps f32) (param $neglr f32)
    (local $i i32) (local $end4 i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $vb1 v128) (local $vomb1 v128) (local $vb2 v128) (local $vomb2 v128) (local $vomab1 v128) (local $vomab2 v128) (local $veps v128) (local $vlr v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vomb1 (f32x4.splat (local.get $omb1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vomb2 (f32x4.splat (local.get $omb2)))
    (local.set $vomab1 (f32x4.splat (local.get $omab1)))
    (local.set $vomab2 (f32x4.splat (local.get $omab2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vlr (f32x4.splat (local.get $neglr)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4 (loop $l4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $gv (v128.load (local.get $g)))
      (local.set $mv (f32x4.add (f32x4.mul (v128.load (local.get $m)) (local.get $vb1)) (f32x4.mul (local.get $gv) (local.get $vomb1))))
      (local.set $vv (f32x4.add (f32x4.mul (v128.load (local.get $v)) (local.get $vb2)) (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vomb2))))
      (v128.store (local.get $m) (local.get $mv))
      (v128.store (local.get $v) (local.get $vv))
      (v128.store (local.get $xout)
        (f32x4.add
          (f32x4.mul
            (f32x4.div (f32x4.div (local.get $mv) (local.get $vomab1))
                       (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $vomab2))) (local.get $veps)))
            (local.get $vlr))
          (v128.load (local.get $x))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $xout (i32.add (local.get $xout) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l4)))
    (block $done (loop $l1
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $gs (f32.load (local.get $g)))
      (local.set $ms (f32.add (f32.mul (f32.load (local.get $m)) (local.get $b1)) (f32.mul (local.get $gs) (local.get $omb1))))
      (local.set $vs (f32.add (f32.mul (f32.load (local.get $v)) (local.get $b2)) (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omb2))))
      (f32.store (local.get $m) (local.get $ms))
      (f32.store (local.get $v) (local.get $vs))
      (f32.store (local.get $xout)
        (f32.add
          (f32.mul
            (f32.div (f32.div (local.get $ms) (local.get $omab1))
                     (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $omab2))) (local.get $eps)))
            (local.get $neglr))
          (f32.load (local.get $x))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $xout (i32.add (local.get $xout) (i32.const 4)))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (local.set $v (i32.add (local.get $v) (i32.const 4)))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l1))))

  ;; ---------------------------------------------------------------------------------------
  ;; Convolution as GEMM (NHWC, HWIO filters, dilation 1): im2col lays each output pixel's
  ;; receptive field out as one row, [n·oh·ow, fh·fw·c], in the filter's own (ky, kx, c)
  ;; order, so conv = cols · filter[fh·fw·c, f], dW = colsᵀ · dy and dcols = dy · filterᵀ,
  ;; which col2im adds back onto the input's pixels. Taps in the padding read as zeros.
  ;; ---------------------------------------------------------------------------------------

  ;; $count floats: dst ← src ($add = 0) or dst ← dst + src ($add = 1).
  (func $run (param $dst i32) (param $src i32) (param $count i32) (param $add i32)
    (local $end4 i32) (local $i i32)
    (local.set $end4 (i32.and (local.get $count) (i32.const -4)))
    (if (local.get $add)
      (then
        (block $d4 (loop $l4
          (br_if $d4 (i32.ge_u (local.get $i) (local.get $end4)))
          (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $l4)))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $i) (local.get $count)))
          (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l1))))
      (else
        (block $c4 (loop $k4
          (br_if $c4 (i32.ge_u (local.get $i) (local.get $end4)))
          (v128.store (local.get $dst) (v128.load (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $k4)))
        (block $c1 (loop $k1
          (br_if $c1 (i32.ge_u (local.get $i) (local.get $count)))
          (f32.store (local.get $dst) (f32.load (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $k1))))))

  ;; Walks every (pixel, tap) of the convolution. $back = 0: im2col, cols ← x (zeros in the
  ;; padding); $back = 1: col2im, img ← img + cols, with img zeroed first.
  (func $patches (param $img i32) (param $cols i32) (param $back i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $oh i32) (param $ow i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $y i32) (local $xx i32) (local $c4 i32) (local $inside i32)
    (local $x0 i32) (local $at i32)
    (local.set $c4 (i32.shl (local.get $c) (i32.const 2)))
    (if (local.get $back)
      (then (memory.fill (local.get $img) (i32.const 0) (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $c4)))))
    (block $db (loop $lb
      (br_if $db (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $oy (i32.const 0))
      (block $doy (loop $loy
        (br_if $doy (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $dox (loop $lox
          (br_if $dox (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $ky (i32.const 0))
          (block $dky (loop $lky
            (br_if $dky (i32.ge_u (local.get $ky) (local.get $fh)))
            (local.set $y (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)) (local.get $ky)))
            (local.set $kx (i32.const 0))
            (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
            ;; A filter row wholly inside the image: its fw·c values are one contiguous run.
            (if (i32.and (i32.and (i32.ge_s (local.get $y) (i32.const 0)) (i32.lt_s (local.get $y) (local.get $h)))
                         (i32.and (i32.ge_s (local.get $x0) (i32.const 0)) (i32.le_s (i32.add (local.get $x0) (local.get $fw)) (local.get $w))))
              (then
                (local.set $at (i32.add (local.get $img) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $y)) (local.get $w)) (local.get $x0)) (local.get $c4))))
                (if (local.get $back)
                  (then (call $run (local.get $at) (local.get $cols) (i32.mul (local.get $fw) (local.get $c)) (i32.const 1)))
                  (else (call $run (local.get $cols) (local.get $at) (i32.mul (local.get $fw) (local.get $c)) (i32.const 0))))
                (local.set $cols (i32.add (local.get $cols) (i32.mul (local.get $fw) (local.get $c4))))
                (local.set $kx (local.get $fw))))
            (block $dkx (loop $lkx
              (br_if $dkx (i32.ge_u (local.get $kx) (local.get $fw)))
              (local.set $xx (i32.add (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)) (local.get $kx)))
              (local.set $inside (i32.and (i32.and (i32.ge_s (local.get $y) (i32.const 0)) (i32.lt_s (local.get $y) (local.get $h)))
                                          (i32.and (i32.ge_s (local.get $xx) (i32.const 0)) (i32.lt_s (local.get $xx) (local.get $w)))))
              (if (local.get $inside)
                (then
                  (if (local.get $back)
                    (then (call $run (i32.add (local.get $img) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $y)) (local.get $w)) (local.get $xx)) (local.get $c4)))
                                     (local.get $cols) (local.get $c) (i32.const 1)))
                    (else (call $run (local.get $cols)
                                     (i32.add (local.get $img) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $y)) (local.get $w)) (local.get $xx)) (local.get $c4)))
                                     (local.get $c) (i32.const 0)))))
                (else
                  (if (i32.eqz (local.get $back)) (then (memory.fill (local.get $cols) (i32.const 0) (local.get $c4))))))
              (local.set $cols (i32.add (local.get $cols) (local.get $c4)))
              (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
              (br $lkx)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $lky)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $lox)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $loy)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $lb))))

  (func (export "im2col") (param $x i32) (param $cols i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $oh i32) (param $ow i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (call $patches (local.get $x) (local.get $cols) (i32.const 0) (local.get $n) (local.get $h) (local.get $w) (local.get $c)
                   (local.get $oh) (local.get $ow) (local.get $fh) (local.get $fw) (local.get $sh) (local.get $sw) (local.get $top) (local.get $left)))

  (func (export "col2im") (param $cols i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $oh i32) (param $ow i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (call $patches (local.get $dx) (local.get $cols) (i32.const 1) (local.get $n) (local.get $h) (local.get $w) (local.get $c)
                   (local.get $oh) (local.get $ow) (local.get $fh) (local.get $fw) (local.get $sh) (local.get $sw) (local.get $top) (local.get $left)))

  ;; ---------------------------------------------------------------------------------------
  ;; The forward convolution for few input channels (a first layer: gray or RGB pixels), NHWC,
  ;; bias and relu applied: y[b, oy, ox, o] = bias[o] + Σ over taps inside the image of
  ;; x[b, oy·sh + ky − top, ox·sw + kx − left, ci] · w[ky, kx, ci, o]. XNNPACK runs these at
  ;; 3.7 GMAC/s (one input channel: a 9-tap product per pixel). Here 16 outputs are four
  ;; vectors; pixels whose window lies wholly inside a row go two at a time (eight chains of
  ;; multiply-adds, each weight vector loaded once for both), the few at the edges one at a time
  ;; with each tap checked. co must be a multiple of 16; $bias is 0 for none.
  ;; ---------------------------------------------------------------------------------------
  (func $conv_small_pixel (param $x i32) (param $wt i32) (param $bias i32) (param $out i32) (param $ox i32) (param $oy i32) (param $b i32)
        (param $h i32) (param $w i32) (param $c i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
        (param $co i32) (param $q i32) (param $relu i32)
    (local $ky i32) (local $kx i32) (local $ci i32) (local $yi i32) (local $xi i32) (local $px i32) (local $wp i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s v128) (local $d v128)
    (if (local.get $bias)
      (then
        (local.set $wp (i32.add (local.get $bias) (i32.shl (local.get $q) (i32.const 2))))
        (local.set $a0 (v128.load offset=0 (local.get $wp))) (local.set $a1 (v128.load offset=16 (local.get $wp)))
        (local.set $a2 (v128.load offset=32 (local.get $wp))) (local.set $a3 (v128.load offset=48 (local.get $wp)))))
    (block $dky (loop $lky
      (br_if $dky (i32.ge_u (local.get $ky) (local.get $fh)))
      (local.set $yi (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $ky)) (local.get $top)))
      (if (i32.and (i32.ge_s (local.get $yi) (i32.const 0)) (i32.lt_s (local.get $yi) (local.get $h)))
        (then
          (local.set $kx (i32.const 0))
          (block $dkx (loop $lkx
            (br_if $dkx (i32.ge_u (local.get $kx) (local.get $fw)))
            (local.set $xi (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (local.get $kx)) (local.get $left)))
            (if (i32.and (i32.ge_s (local.get $xi) (i32.const 0)) (i32.lt_s (local.get $xi) (local.get $w)))
              (then
                (local.set $px (i32.add (local.get $x)
                  (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $yi)) (local.get $w)) (local.get $xi)) (local.get $c)) (i32.const 2))))
                (local.set $wp (i32.add (local.get $wt)
                  (i32.shl (i32.add (i32.mul (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $fw)) (local.get $kx)) (local.get $c)) (local.get $co)) (local.get $q)) (i32.const 2))))
                (local.set $ci (i32.const 0))
                (loop $lci
                  (local.set $s (v128.load32_splat (local.get $px)))
                  (local.set $d (v128.load offset=0 (local.get $wp)))
                  (local.set $a0 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a0)))
                  (local.set $d (v128.load offset=16 (local.get $wp)))
                  (local.set $a1 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a1)))
                  (local.set $d (v128.load offset=32 (local.get $wp)))
                  (local.set $a2 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a2)))
                  (local.set $d (v128.load offset=48 (local.get $wp)))
                  (local.set $a3 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a3)))
                  (local.set $px (i32.add (local.get $px) (i32.const 4)))
                  (local.set $wp (i32.add (local.get $wp) (i32.shl (local.get $co) (i32.const 2))))
                  (br_if $lci (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $c))))))
            (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
            (br $lkx)))))
      (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
      (br $lky)))
    (if (local.get $relu)
      (then
        (local.set $s (v128.const i32x4 0 0 0 0))
        (local.set $a0 (f32x4.max (local.get $a0) (local.get $s))) (local.set $a1 (f32x4.max (local.get $a1) (local.get $s)))
        (local.set $a2 (f32x4.max (local.get $a2) (local.get $s))) (local.set $a3 (f32x4.max (local.get $a3) (local.get $s)))))
    (v128.store offset=0 (local.get $out) (local.get $a0)) (v128.store offset=16 (local.get $out) (local.get $a1))
    (v128.store offset=32 (local.get $out) (local.get $a2)) (v128.store offset=48 (local.get $out) (local.get $a3)))

  (func (export "conv_small_forward") (param $x i32) (param $wt i32) (param $bias i32) (param $y i32)
        (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $oh i32) (param $ow i32)
        (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32) (param $co i32) (param $relu i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $q i32) (local $ky i32) (local $kx i32) (local $yi i32)
    (local $oxa i32) (local $oxb i32) (local $yrow i32) (local $out i32) (local $px i32) (local $wp i32) (local $xstep i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $s v128) (local $t v128) (local $d v128)
    (local.set $xstep (i32.shl (i32.mul (local.get $sw) (local.get $c)) (i32.const 2)))
    ;; Output columns whose whole window row lies inside the image: ox·sw − left ≥ 0 and
    ;; ox·sw − left + fw − 1 ≤ w − 1.
    (local.set $oxa (select (i32.div_s (i32.add (local.get $left) (i32.sub (local.get $sw) (i32.const 1))) (local.get $sw))
                            (i32.const 0) (i32.gt_s (local.get $left) (i32.const 0))))
    (local.set $oxb (i32.sub (i32.add (local.get $w) (local.get $left)) (local.get $fw)))
    (local.set $oxb (select (i32.add (i32.div_s (local.get $oxb) (local.get $sw)) (i32.const 1)) (i32.const 0) (i32.ge_s (local.get $oxb) (i32.const 0))))
    (if (i32.gt_s (local.get $oxb) (local.get $ow)) (then (local.set $oxb (local.get $ow))))
    (if (i32.gt_s (local.get $oxa) (local.get $oxb)) (then (local.set $oxa (local.get $oxb))))
    (block $db (loop $lb
      (br_if $db (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $oy (i32.const 0))
      (block $doy (loop $loy
        (br_if $doy (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $yrow (i32.add (local.get $y)
          (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $oy)) (local.get $ow)) (local.get $co)) (i32.const 2))))
        (local.set $q (i32.const 0))
        (loop $lq
          ;; The edges, one pixel at a time, every tap checked.
          (local.set $ox (i32.const 0))
          (block $de1 (loop $le1
            (br_if $de1 (i32.ge_s (local.get $ox) (local.get $oxa)))
            (call $conv_small_pixel (local.get $x) (local.get $wt) (local.get $bias)
              (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $co)) (local.get $q)) (i32.const 2)))
              (local.get $ox) (local.get $oy) (local.get $b) (local.get $h) (local.get $w) (local.get $c) (local.get $fh) (local.get $fw)
              (local.get $sh) (local.get $sw) (local.get $top) (local.get $left) (local.get $co) (local.get $q) (local.get $relu))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $le1)))
          (local.set $ox (local.get $oxb))
          (block $de2 (loop $le2
            (br_if $de2 (i32.ge_s (local.get $ox) (local.get $ow)))
            (call $conv_small_pixel (local.get $x) (local.get $wt) (local.get $bias)
              (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $co)) (local.get $q)) (i32.const 2)))
              (local.get $ox) (local.get $oy) (local.get $b) (local.get $h) (local.get $w) (local.get $c) (local.get $fh) (local.get $fw)
              (local.get $sh) (local.get $sw) (local.get $top) (local.get $left) (local.get $co) (local.get $q) (local.get $relu))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $le2)))
          ;; The inside: two pixels a step, each weight vector loaded once for both.
          (local.set $ox (local.get $oxa))
          (block $dpair (loop $lpair
            (br_if $dpair (i32.ge_s (local.get $ox) (local.get $oxb)))
            (if (i32.lt_s (i32.add (local.get $ox) (i32.const 1)) (local.get $oxb))
              (then
                (local.set $a0 (v128.const i32x4 0 0 0 0))
                (if (local.get $bias)
                  (then
                    (local.set $wp (i32.add (local.get $bias) (i32.shl (local.get $q) (i32.const 2))))
                    (local.set $a0 (v128.load offset=0 (local.get $wp))) (local.set $a1 (v128.load offset=16 (local.get $wp)))
                    (local.set $a2 (v128.load offset=32 (local.get $wp))) (local.set $a3 (v128.load offset=48 (local.get $wp))))
                  (else (local.set $a1 (local.get $a0)) (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a0))))
                (local.set $b0 (local.get $a0)) (local.set $b1 (local.get $a1)) (local.set $b2 (local.get $a2)) (local.set $b3 (local.get $a3))
                (local.set $ky (i32.const 0))
                (block $dky (loop $lky
                  (br_if $dky (i32.ge_u (local.get $ky) (local.get $fh)))
                  (local.set $yi (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $ky)) (local.get $top)))
                  (if (i32.and (i32.ge_s (local.get $yi) (i32.const 0)) (i32.lt_s (local.get $yi) (local.get $h)))
                    (then
                      ;; fw·c taps of one window row: consecutive floats of x, weights co apart.
                      (local.set $px (i32.add (local.get $x)
                        (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $yi)) (local.get $w))
                                                   (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left))) (local.get $c)) (i32.const 2))))
                      (local.set $wp (i32.add (local.get $wt)
                        (i32.shl (i32.add (i32.mul (i32.mul (i32.mul (local.get $ky) (local.get $fw)) (local.get $c)) (local.get $co)) (local.get $q)) (i32.const 2))))
                      (local.set $kx (i32.mul (local.get $fw) (local.get $c)))
                      (loop $ltap
                        (local.set $s (v128.load32_splat (local.get $px)))
                        (local.set $t (v128.load32_splat (i32.add (local.get $px) (local.get $xstep))))
                        (local.set $d (v128.load offset=0 (local.get $wp)))
                        (local.set $a0 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a0)))
                        (local.set $b0 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b0)))
                        (local.set $d (v128.load offset=16 (local.get $wp)))
                        (local.set $a1 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a1)))
                        (local.set $b1 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b1)))
                        (local.set $d (v128.load offset=32 (local.get $wp)))
                        (local.set $a2 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a2)))
                        (local.set $b2 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b2)))
                        (local.set $d (v128.load offset=48 (local.get $wp)))
                        (local.set $a3 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a3)))
                        (local.set $b3 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b3)))
                        (local.set $px (i32.add (local.get $px) (i32.const 4)))
                        (local.set $wp (i32.add (local.get $wp) (i32.shl (local.get $co) (i32.const 2))))
                        (br_if $ltap (local.tee $kx (i32.sub (local.get $kx) (i32.const 1)))))))
                  (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                  (br $lky)))
                (if (local.get $relu)
                  (then
                    (local.set $s (v128.const i32x4 0 0 0 0))
                    (local.set $a0 (f32x4.max (local.get $a0) (local.get $s))) (local.set $a1 (f32x4.max (local.get $a1) (local.get $s)))
                    (local.set $a2 (f32x4.max (local.get $a2) (local.get $s))) (local.set $a3 (f32x4.max (local.get $a3) (local.get $s)))
                    (local.set $b0 (f32x4.max (local.get $b0) (local.get $s))) (local.set $b1 (f32x4.max (local.get $b1) (local.get $s)))
                    (local.set $b2 (f32x4.max (local.get $b2) (local.get $s))) (local.set $b3 (f32x4.max (local.get $b3) (local.get $s)))))
                (local.set $out (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $co)) (local.get $q)) (i32.const 2))))
                (v128.store offset=0 (local.get $out) (local.get $a0)) (v128.store offset=16 (local.get $out) (local.get $a1))
                (v128.store offset=32 (local.get $out) (local.get $a2)) (v128.store offset=48 (local.get $out) (local.get $a3))
                (local.set $out (i32.add (local.get $out) (i32.shl (local.get $co) (i32.const 2))))
                (v128.store offset=0 (local.get $out) (local.get $b0)) (v128.store offset=16 (local.get $out) (local.get $b1))
                (v128.store offset=32 (local.get $out) (local.get $b2)) (v128.store offset=48 (local.get $out) (local.get $b3))
                (local.set $ox (i32.add (local.get $ox) (i32.const 2))))
              (else
                (call $conv_small_pixel (local.get $x) (local.get $wt) (local.get $bias)
                  (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $co)) (local.get $q)) (i32.const 2)))
                  (local.get $ox) (local.get $oy) (local.get $b) (local.get $h) (local.get $w) (local.get $c) (local.get $fh) (local.get $fw)
                  (local.get $sh) (local.get $sw) (local.get $top) (local.get $left) (local.get $co) (local.get $q) (local.get $relu))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))))
            (br $lpair)))
          (br_if $lq (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 16))) (local.get $co))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $loy)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $lb))))

  ;; ---------------------------------------------------------------------------------------
  ;; A convolution's filter gradient for few input channels (a first layer: gray or RGB
  ;; images), NHWC, without im2col: dw[(ky·fw + kx)·c + ci][o] = Σ over images and output
  ;; pixels of x[b, oy·sh + ky − top, ox·sw + kx − left, ci] · dy[b, oy, ox, o], taps in the
  ;; padding adding nothing. im2col + GEMM runs at a third of its usual rate there: 9 or 27
  ;; taps are a thin product, and the columns (9-27 floats per pixel) are written and packed
  ;; again. Here each (output row, tap, channel) runs along the row's valid pixels with 16
  ;; outputs in 4 vectors, two pixels at a time into separate accumulators (8 chains of
  ;; multiply-adds), and adds its sums to dw once. co must be a multiple of 16; dw
  ;; (fh·fw·c·co floats) is overwritten.
  ;; ---------------------------------------------------------------------------------------
  (func (export "conv_filter_grad_small") (param $x i32) (param $dy i32) (param $dw i32)
        (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $oh i32) (param $ow i32)
        (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32) (param $co i32)
    (local $b i32) (local $oy i32) (local $ky i32) (local $kx i32) (local $ci i32) (local $q i32)
    (local $yi i32) (local $lo i32) (local $hi i32) (local $ox0 i32) (local $ox1 i32) (local $ox i32)
    (local $dyrow i32) (local $xrow i32) (local $px i32) (local $pd i32) (local $tap i32)
    (local $xstep i32) (local $dstep i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $s v128) (local $t v128) (local $d v128)
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (i32.mul (local.get $fh) (local.get $fw)) (local.get $c)) (local.get $co)) (i32.const 2)))
    (local.set $xstep (i32.shl (i32.mul (local.get $sw) (local.get $c)) (i32.const 2)))
    (local.set $dstep (i32.shl (local.get $co) (i32.const 2)))
    (block $db (loop $lb
      (br_if $db (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $oy (i32.const 0))
      (block $doy (loop $loy
        (br_if $doy (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $dyrow (i32.add (local.get $dy)
          (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $oy)) (local.get $ow)) (local.get $co)) (i32.const 2))))
        (local.set $ky (i32.const 0))
        (block $dky (loop $lky
          (br_if $dky (i32.ge_u (local.get $ky) (local.get $fh)))
          (local.set $yi (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $ky)) (local.get $top)))
          (if (i32.and (i32.ge_s (local.get $yi) (i32.const 0)) (i32.lt_s (local.get $yi) (local.get $h)))
            (then
              (local.set $xrow (i32.add (local.get $x)
                (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $yi)) (local.get $w)) (local.get $c)) (i32.const 2))))
              (local.set $kx (i32.const 0))
              (block $dkx (loop $lkx
                (br_if $dkx (i32.ge_u (local.get $kx) (local.get $fw)))
                ;; Output columns whose input column ox·sw + kx − left lies in [0, w).
                (local.set $lo (i32.sub (local.get $left) (local.get $kx)))
                (local.set $ox0 (select (i32.div_s (i32.add (local.get $lo) (i32.sub (local.get $sw) (i32.const 1))) (local.get $sw))
                                        (i32.const 0) (i32.gt_s (local.get $lo) (i32.const 0))))
                (local.set $hi (i32.sub (i32.add (i32.sub (local.get $w) (i32.const 1)) (local.get $left)) (local.get $kx)))
                (local.set $ox1 (select (i32.add (i32.div_s (local.get $hi) (local.get $sw)) (i32.const 1))
                                        (i32.const 0) (i32.ge_s (local.get $hi) (i32.const 0))))
                (if (i32.gt_s (local.get $ox1) (local.get $ow)) (then (local.set $ox1 (local.get $ow))))
                (if (i32.lt_s (local.get $ox0) (local.get $ox1))
                  (then
                    (local.set $ci (i32.const 0))
                    (loop $lci
                      (local.set $tap (i32.add (local.get $dw)
                        (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $fw)) (local.get $kx)) (local.get $c)) (local.get $ci)) (local.get $co)) (i32.const 2))))
                      (local.set $q (i32.const 0))
                      (loop $lq
                        (local.set $px (i32.add (local.get $xrow)
                          (i32.shl (i32.add (i32.mul (i32.sub (i32.add (i32.mul (local.get $ox0) (local.get $sw)) (local.get $kx)) (local.get $left)) (local.get $c)) (local.get $ci)) (i32.const 2))))
                        (local.set $pd (i32.add (local.get $dyrow) (i32.shl (i32.add (i32.mul (local.get $ox0) (local.get $co)) (local.get $q)) (i32.const 2))))
                        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (local.get $a0)) (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a0))
                        (local.set $b0 (local.get $a0)) (local.set $b1 (local.get $a0)) (local.set $b2 (local.get $a0)) (local.set $b3 (local.get $a0))
                        (local.set $ox (local.get $ox0))
                        ;; Two pixels a step, each into its own four accumulators.
                        (block $dpair (loop $lpair
                          (br_if $dpair (i32.ge_s (i32.add (local.get $ox) (i32.const 1)) (local.get $ox1)))
                          (local.set $s (v128.load32_splat (local.get $px)))
                          (local.set $t (v128.load32_splat (i32.add (local.get $px) (local.get $xstep))))
                          (local.set $d (v128.load offset=0 (local.get $pd))) (local.set $a0 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a0)))
                          (local.set $d (v128.load offset=16 (local.get $pd))) (local.set $a1 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a1)))
                          (local.set $d (v128.load offset=32 (local.get $pd))) (local.set $a2 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a2)))
                          (local.set $d (v128.load offset=48 (local.get $pd))) (local.set $a3 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a3)))
                          (local.set $pd (i32.add (local.get $pd) (local.get $dstep)))
                          (local.set $d (v128.load offset=0 (local.get $pd))) (local.set $b0 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b0)))
                          (local.set $d (v128.load offset=16 (local.get $pd))) (local.set $b1 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b1)))
                          (local.set $d (v128.load offset=32 (local.get $pd))) (local.set $b2 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b2)))
                          (local.set $d (v128.load offset=48 (local.get $pd))) (local.set $b3 (f32x4.relaxed_madd (local.get $t) (local.get $d) (local.get $b3)))
                          (local.set $pd (i32.add (local.get $pd) (local.get $dstep)))
                          (local.set $px (i32.add (local.get $px) (i32.shl (local.get $xstep) (i32.const 1))))
                          (local.set $ox (i32.add (local.get $ox) (i32.const 2)))
                          (br $lpair)))
                        (if (i32.lt_s (local.get $ox) (local.get $ox1))
                          (then
                            (local.set $s (v128.load32_splat (local.get $px)))
                            (local.set $d (v128.load offset=0 (local.get $pd))) (local.set $a0 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a0)))
                            (local.set $d (v128.load offset=16 (local.get $pd))) (local.set $a1 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a1)))
                            (local.set $d (v128.load offset=32 (local.get $pd))) (local.set $a2 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a2)))
                            (local.set $d (v128.load offset=48 (local.get $pd))) (local.set $a3 (f32x4.relaxed_madd (local.get $s) (local.get $d) (local.get $a3)))))
                        (local.set $pd (i32.add (local.get $tap) (i32.shl (local.get $q) (i32.const 2))))
                        (v128.store offset=0 (local.get $pd) (f32x4.add (v128.load offset=0 (local.get $pd)) (f32x4.add (local.get $a0) (local.get $b0))))
                        (v128.store offset=16 (local.get $pd) (f32x4.add (v128.load offset=16 (local.get $pd)) (f32x4.add (local.get $a1) (local.get $b1))))
                        (v128.store offset=32 (local.get $pd) (f32x4.add (v128.load offset=32 (local.get $pd)) (f32x4.add (local.get $a2) (local.get $b2))))
                        (v128.store offset=48 (local.get $pd) (f32x4.add (v128.load offset=48 (local.get $pd)) (f32x4.add (local.get $a3) (local.get $b3))))
                        (br_if $lq (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 16))) (local.get $co))))
                      (br_if $lci (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $c))))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $lkx)))))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $lky)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $loy)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $lb))))

    ;; ---------------------------------------------------------------------------------------
  ;; Column sums: out[c] = Σ_r x[r·cols + c], every leading axis reduced (a bias gradient).
  ;; Stock wasm transposes the whole tensor first to reduce innermost; this reads it once.
  ;; ---------------------------------------------------------------------------------------
  (func (export "sum_rows") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $c i32) (local $r i32) (local $at i32) (local $acc v128) (local $s f32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $at (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $dr (loop $lr
        (br_if $dr (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $at))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr)))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc))
      (local.set $c (i32.add (local.get $c) (i32.const 4)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $c) (local.get $cols)))
      (local.set $s (f32.const 0))
      (local.set $at (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $dr1 (loop $lr1
        (br_if $dr1 (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $at))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr1)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (local.get $s))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $l1))))

  ;; ---------------------------------------------------------------------------------------
  ;; relu's gradient from its output: out = dy · step(y), step being 1 where y > 0, NaN where y
  ;; is NaN and 0 elsewhere — what tfjs' mul(dy, step(y)) computes, bit for bit, in one pass
  ;; instead of two kernels over the whole activation. n floats each.
  ;; ---------------------------------------------------------------------------------------
  (func (export "relu_grad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $yv v128) (local $ys f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
      (local.set $yv (v128.load (i32.add (local.get $y) (local.get $i))))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
          (v128.or (v128.and (f32x4.gt (local.get $yv) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
                   (v128.and (f32x4.ne (local.get $yv) (local.get $yv)) (local.get $yv)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $ys (f32.load (i32.add (local.get $y) (local.get $i))))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i)))
          (select (f32.const 1)
                  (select (local.get $ys) (f32.const 0) (f32.ne (local.get $ys) (local.get $ys)))
                  (f32.gt (local.get $ys) (f32.const 0)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1))))
)
