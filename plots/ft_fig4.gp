# ft_fig4.gp - paper Fig. 4 analog: each regulariser (weight decay, L2-SP,
# augmentation) alone (with SGD) and combined with NSO: test loss and Hessian
# trace, mean +- std over seeds.  Data: ft_report's fig4.csv.
# usage: gnuplot -e "indir='out/quick/ft-report'; outdir='out/quick/figures'; fmt='png'; label='quick'" plots/ft_fig4.gp
load "plots/ft_common.gp"
if (!exists("name")) name = "ft_fig4"
if (fmt eq "pdf") { set terminal pdfcairo size 10in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1500,540 font "Helvetica,11"; ext = ".png" }
set output outdir."/".name.ext
f = indir."/fig4.csv"
set multiplot layout 1,2 title "Regularisers alone vs combined with NSO (paper Fig. 4 analog), mean +- std over seeds: ".label
set style data histograms
set xtics noenhanced
set yrange [0:*]
set title "(a) test loss"
set ylabel "test loss"
titles = '"regulariser alone" "+ NSO"'; colors = c_alone." ".c_nso
spec = "2:3 4:5"; load "plots/ft_bars.gp"
set title "(b) trace of the loss Hessian"
set ylabel "tr H"
spec = "6:7 8:9"; load "plots/ft_bars.gp"
unset multiplot
