# proofs_lower.gp - Theorem 4.5: (left) measured min_t E||grad F||^2 / bound for the
# Lemma B.2 construction against T; (middle) Lemma B.3 chain; (right) the
# truncation erratum: E||grad F(W_t)||^2 along t for two-sided vs one-sided truncation.
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 1500,500 font ",10" } else { set terminal pdfcairo size 15in,5in font ",10" }
  set output outbase.".".fmt
  set multiplot layout 1,3
  set logscale x; set xlabel "T"; set ylabel "min_t E||grad F||^2 / bound"; set key top left
  set title "Lemma B.2 (eq. 8): ratio >= 1 means the bound holds"
  f = indir."/lower_b2.csv"
  plot for [c in "const const_0.3 decay"] for [k in "1 4"] f using 1:((strcol(3) eq c && $2 == k+0) ? $6 : 1/0) \
       with linespoints title c." k=".k, 1 lc rgb "black" dt 2 title "bound"
  set title "Lemma B.3 (eq. 45): fixed eta"
  set logscale y
  g = indir."/lower_b3.csv"
  plot g using 1:9 with points pt 7 title "exact min_t / bound (every eta, k)", 1 lc rgb "black" dt 2 title "bound"
  unset logscale; set logscale y
  set xlabel "t"; set ylabel "E||grad F(W_t)||^2"; set title "truncation erratum (T = 50)"
  h = indir."/lower_truncation.csv"
  plot h index 0 using 2:3 with lines lw 2 title "two-sided |U| <= a (proof)", \
       h index 1 using 2:3 with lines lw 2 title "one-sided min(U, a) (text)", \
       h index 0 using 2:4 with lines dt 2 lc rgb "black" title "bound (9)"
  unset multiplot
}
