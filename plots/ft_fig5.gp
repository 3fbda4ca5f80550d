# ft_fig5.gp - paper Fig. 5 analog: largest Hessian eigenvalue lambda_1
# (Lanczos) of the last-epoch model for SGD, SAM and NSO per task, mean +- std
# over seeds.  Data: ft_report's fig5.csv.
# usage: gnuplot -e "indir='out/quick/ft-report'; outdir='out/quick/figures'; fmt='png'; label='quick'" plots/ft_fig5.gp
load "plots/ft_common.gp"
if (!exists("name")) name = "ft_fig5"
if (fmt eq "pdf") { set terminal pdfcairo size 6.5in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 900,520 font "Helvetica,11"; ext = ".png" }
set output outdir."/".name.ext
f = indir."/fig5.csv"
set title "lambda_1 of the loss Hessian at the last epoch (paper Fig. 5 analog): ".label noenhanced
set style data histograms
set xtics noenhanced
set yrange [0:*]
set ylabel "lambda_1 (mean +- std over seeds)" noenhanced
titles = "SGD SAM NSO"; colors = c_sgd." ".c_sam." ".c_nso
spec = "2:3 4:5 6:7"; load "plots/ft_bars.gp"
