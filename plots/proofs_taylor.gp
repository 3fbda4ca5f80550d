# proofs_taylor.gp - Prop. 2.1: |F - f - (sigma^2/2) tr H| against sigma, per
# objective and law (data: proofs_taylor_gap), with sigma^3 and sigma^4 guides.
# usage: gnuplot -e "indir='out/quick/proofs'; outbase='out/quick/figures/proofs_taylor'" plots/proofs_taylor.gp
set datafile separator ","
objs = "cossum logcosh logistic sensing_random sensing_interp quadratic"
laws = "gaussian laplace uniform binomial"
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 1500,900 font ",10" } else { set terminal pdfcairo size 15in,9in font ",10" }
  set output outbase.".".fmt
  set multiplot layout 2,3 title "Prop. 2.1: Taylor remainder of the two-point smoothing (95% CI bars); guides sigma^3, sigma^4"
  do for [o in objs] {
    f = indir."/taylor_".o.".csv"
    set logscale xy; set format y "10^{%L}"; set xlabel "sigma"; set ylabel "|remainder|"; set key left top
    set title o noenhanced
    plot for [l=0:3] f index l using 2:(abs($7)):(1.96*$8) with yerrorlines title word(laws, l+1), \
         f index 0 using 2:(abs($9)) with points pt 6 ps 1.5 lc rgb "black" title "exact F (Gaussian)", \
         1e-1*x**3 dt 2 lc rgb "gray" title "sigma^3", 1e-1*x**4 dt 3 lc rgb "gray" title "sigma^4"
  }
  unset multiplot
}
