# proofs_lower_adaptive.gp - Theorem 4.5 with an adaptive step (AdaGrad-norm) on the
# construction of eq. (8): (left) E||grad F(W_t)||^2 against t at the largest T, k = 1
# and k = 3, with the bound (9) (dashed); (right) the mean adaptive step eta_t.
# lower_adaptive_curve.csv: one block (gnuplot index) per k.
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,500 font ",10" } else { set terminal pdfcairo size 12in,5in font ",10" }
  set output outbase.".".fmt
  set multiplot layout 1,2 title "Theorem 4.5 with AdaGrad-norm steps on the construction (8)"
  set logscale xy; set xlabel "t (right: t + 1)"; set key bottom left
  set ylabel "E||grad F(W_t)||^2"
  plot indir."/lower_adaptive_curve.csv" index 0 using ($3>0?$3:1/0):4 with lines lc 1 title "k = 1", \
       indir."/lower_adaptive_curve.csv" index 0 using ($3>0?$3:1/0):5 with lines lc 1 dt 2 title "bound (9), k = 1", \
       indir."/lower_adaptive_curve.csv" index 1 using ($3>0?$3:1/0):4 with lines lc 2 title "k = 3", \
       indir."/lower_adaptive_curve.csv" index 1 using ($3>0?$3:1/0):5 with lines lc 2 dt 2 title "bound (9), k = 3"
  set ylabel "mean eta_t"; set key top right
  plot indir."/lower_adaptive_curve.csv" index 0 using ($3+1):6 with lines lc 1 title "k = 1", \
       indir."/lower_adaptive_curve.csv" index 1 using ($3+1):6 with lines lc 2 title "k = 3"
  unset multiplot
}
